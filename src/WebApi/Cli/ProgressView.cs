using System.Globalization;
using Spectre.Console;

namespace Migration.WebApi.Cli;

/// <summary>How far one step of the command is: <see cref="Done"/> of <see cref="Total"/> (null: unknown), in words.</summary>
internal readonly record struct ProgressStep(double Done, double? Total, string Text);

/// <summary>
/// Shows the progress of the <c>validate</c> command: a progress bar when standard output is a terminal, otherwise
/// (a pipeline's log) a plain line every few seconds and one when a step ends.
/// </summary>
internal abstract class ProgressView
{
    public static ProgressView Create(TimeProvider time) =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? new BarView() : new LineView(time);

    /// <summary>Runs <paramref name="work"/>, showing what it reports under <paramref name="title"/>.</summary>
    public abstract Task<T> ShowAsync<T>(string title, Func<IProgress<ProgressStep>, Task<T>> work);

    /// <summary>Reports synchronously, on the reporting thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Reporter(Action<ProgressStep> report) : IProgress<ProgressStep>
    {
        public void Report(ProgressStep value) => report(value);
    }

    private sealed class BarView : ProgressView
    {
        public override Task<T> ShowAsync<T>(string title, Func<IProgress<ProgressStep>, Task<T>> work) =>
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                    task.IsIndeterminate = true;
                    var result = await work(new Reporter(step =>
                    {
                        if (step.Total is > 0 and var total)
                        {
                            task.IsIndeterminate = false;
                            task.MaxValue = total;
                            task.Value = Math.Min(step.Done, total);
                        }

                        task.Description = Markup.Escape($"{title}: {step.Text}");
                    }));
                    task.IsIndeterminate = false;
                    task.Value = task.MaxValue;
                    task.StopTask();
                    return result;
                });
    }

    private sealed class LineView(TimeProvider time) : ProgressView
    {
        private static readonly TimeSpan _every = TimeSpan.FromSeconds(2);

        public override async Task<T> ShowAsync<T>(string title, Func<IProgress<ProgressStep>, Task<T>> work)
        {
            var lastPrinted = time.GetTimestamp();
            ProgressStep? last = null;
            var result = await work(new Reporter(step =>
            {
                last = step;
                if (time.GetElapsedTime(lastPrinted) >= _every)
                {
                    lastPrinted = time.GetTimestamp();
                    Print(title, step);
                }
            }));
            if (last is { } final)
            {
                Print(title, final);
            }

            return result;
        }

        private static void Print(string title, ProgressStep step)
        {
            var percent = step.Total is > 0 and var total ? string.Create(CultureInfo.InvariantCulture, $" ({Math.Min(100, 100 * step.Done / total):F0}%)") : "";
            Console.Out.WriteLine($"{title}: {step.Text}{percent}");
        }
    }
}
