using FluentValidation;

namespace Migration.Application.Validation.StartIncr;

internal sealed class StartIncrCommandValidator : AbstractValidator<StartIncrCommand>
{
    /// <summary>How far ahead of the server clock <c>utime</c> may be: a little clock skew, not a typo in the year.</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    public const long MaxIntervalMs = 3_600_000;

    /// <summary>The largest throttle a request may set; beyond it, 0 (unlimited) says the same.</summary>
    public const long MaxRowsPerSecondLimit = 100_000_000;

    /// <summary>A resumed run keeps the repair flag it started with: its first part was repaired, or reported only, already.</summary>
    public const string RepairWithResume = "'repair' cannot be given with 'resume': a resumed run keeps the repair setting it started with.";

    public StartIncrCommandValidator(TimeProvider time)
    {
        RuleFor(c => c.Utime)
            .Cascade(CascadeMode.Stop)
            .NotNull().When(c => c.Resume != true).WithMessage("'utime' is required: milliseconds since the epoch; rows updated after it are checked.")
            .GreaterThanOrEqualTo(0).WithMessage("'utime' must be 0 or more (milliseconds since the epoch).")
            .Must(utime => utime is null || utime <= time.GetUtcNow().Add(MaxFutureSkew).ToUnixTimeMilliseconds())
            .WithMessage("'utime' must not be more than 5 minutes in the future; it is milliseconds, not seconds or microseconds, since the epoch.");

        RuleFor(c => c.Interval)
            .Cascade(CascadeMode.Stop)
            .NotNull().When(c => c.Resume != true).WithMessage("'interval' is required: milliseconds between polls once caught up.")
            .InclusiveBetween(1, MaxIntervalMs).WithMessage($"'interval' must be between 1 and {MaxIntervalMs} milliseconds.");

        RuleFor(c => c.MaxRowsPerSecond).InclusiveBetween(0, MaxRowsPerSecondLimit)
            .WithMessage($"'maxRowsPerSecond' must be between 0 (unlimited) and {MaxRowsPerSecondLimit}.");

        RuleFor(c => c.SweepMaxRowsPerSecond).InclusiveBetween(0, MaxRowsPerSecondLimit)
            .WithMessage($"'sweepMaxRowsPerSecond' must be between 0 (no sweep) and {MaxRowsPerSecondLimit}.");
        RuleFor(c => c.SweepMaxRowsPerSecond).Null().When(c => c.Resume == true)
            .WithMessage("'sweepMaxRowsPerSecond' cannot be given with 'resume': a resumed run sweeps each table at the rate it was swept at.");

        RuleFor(c => c.Repair).Null().When(c => c.Resume == true).WithMessage(RepairWithResume);
    }
}
