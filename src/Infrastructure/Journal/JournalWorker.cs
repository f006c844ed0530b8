using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Domain;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Journal;

/// <summary>
/// Creates each side's journal table at start, then every <see cref="JournalOptions.TrimIntervalMs"/> trims the journals
/// and measures them for the status and the metrics. While an incremental run is running, an entry is deleted once that
/// run has verified it (its stored cursor of every table is past it) and it is older than
/// <see cref="JournalOptions.TrimGraceSeconds"/>; while none runs, once it is older than
/// <see cref="JournalOptions.RetentionMinutes"/>.
/// </summary>
internal sealed partial class JournalWorker(
    WriteJournal journal,
    JournalMonitor monitor,
    TriggerChangeCapture capture,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<JournalWorker> logger) : BackgroundService
{
    private readonly JournalOptions _options = options.Value.Journal;
    private bool _installTriggers = options.Value.ChangeCapture == ChangeCaptureMode.Triggers;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Created even when the journal is off, so turning it on needs no other step.
        await journal.EnsureTablesAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await InstallTriggersAsync(stoppingToken);
            try
            {
                await TrimAsync(stoppingToken);
                await monitor.ReadAsync(stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping, whatever the interrupted statement threw (a lock wait cut short): nothing is half-done.
                return;
            }
            catch (Exception ex)
            {
                LogTrimFailed(ex);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_options.TrimIntervalMs), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// <c>Migration:ChangeCapture = Triggers</c>: installs the missing triggers once, in the background (the service
    /// serves meanwhile). A refusal (a missing privilege) is one error line and is not retried; another failure (a
    /// database down) is retried at the next interval.
    /// </summary>
    private async Task InstallTriggersAsync(CancellationToken cancellationToken)
    {
        if (!_installTriggers)
        {
            return;
        }

        try
        {
            await capture.InstallAsync(cancellationToken);
            _installTriggers = false;
        }
        catch (Application.Common.ConflictException ex)
        {
            _installTriggers = false;
            LogCaptureRefused(ex.Message);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: installed again at the next start.
        }
        catch (Exception ex)
        {
            LogCaptureFailed(ex);
        }
    }

    private async Task TrimAsync(CancellationToken cancellationToken)
    {
        var running = await monitor.RunningAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            long upTo, before;
            if (running is { } r)
            {
                // A table of the run without a cursor yet holds everything back.
                upTo = r.Run.Tables.Select(t => r.Cursors.FirstOrDefault(c => c.Table == t.Table && c.Side == side).Seq).DefaultIfEmpty(0).Min();
                before = now - _options.TrimGraceSeconds * 1000L;
            }
            else
            {
                upTo = long.MaxValue;
                before = now - _options.RetentionMinutes * 60_000L;
            }

            if (upTo > 0 && await journal.TrimAsync(side, upTo, before, _options.TrimBatch, cancellationToken) is > 0 and var deleted)
            {
                LogTrimmed(deleted, side.ToWire(), running is null ? "retention" : "verified");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Migration:ChangeCapture is Triggers, but the triggers could not be installed: {Reason}")]
    private partial void LogCaptureRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Installing the change-capture triggers failed; trying again at the next interval")]
    private partial void LogCaptureFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trimmed {Rows} journal entries on {Side} ({Reason})")]
    private partial void LogTrimmed(long rows, string side, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trimming or measuring the write journals failed; trying again at the next interval")]
    private partial void LogTrimFailed(Exception exception);
}
