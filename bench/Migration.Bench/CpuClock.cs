using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Migration.Bench;

/// <summary>
/// CPU seconds spent by this process, by its finished child processes (pt-table-sync) and by the database server (when
/// the bench started it): on a machine shared with other work, CPU time says what wall-clock time cannot.
/// </summary>
internal sealed class CpuClock(int? serverProcessId)
{
    public (double Own, double Children, double Server) Now()
    {
        var own = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        double server;
        try
        {
            server = serverProcessId is { } id ? Process.GetProcessById(id).TotalProcessorTime.TotalSeconds : double.NaN;
        }
        catch (ArgumentException)
        {
            server = double.NaN;
        }

        return (own, ChildrenSeconds(), server);
    }

    /// <summary>User and system time of the children that have ended and been waited for (getrusage RUSAGE_CHILDREN).</summary>
    private static double ChildrenSeconds()
    {
        // struct rusage on 64-bit Linux: two timevals (seconds, microseconds), then 14 longs.
        var usage = new long[18];
        if (!OperatingSystem.IsLinux() || GetRusage(-1, usage) != 0)
        {
            return double.NaN;
        }

        return usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);
}
