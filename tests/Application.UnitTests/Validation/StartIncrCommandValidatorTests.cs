using Microsoft.Extensions.Time.Testing;
using Migration.Application.Validation.StartIncr;

namespace Migration.Application.UnitTests.Validation;

public sealed class StartIncrCommandValidatorTests
{
    private static readonly DateTimeOffset _now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly StartIncrCommandValidator _validator = new(new FakeTimeProvider(_now));

    private string[] ErrorsFor(long? utime, long? interval) =>
        _validator.Validate(new StartIncrCommand(utime, interval)).Errors.Select(e => e.PropertyName).ToArray();

    [Theory]
    [InlineData(0L, 1L)]
    [InlineData(0L, 3_600_000L)]
    [InlineData(1_700_000_000_000L, 500L)]
    public void Validate_InRange_Passes(long utime, long interval) => Assert.Empty(ErrorsFor(utime, interval));

    [Fact]
    public void Validate_UtimeMissing_NamesUtime() => Assert.Equal(["Utime"], ErrorsFor(null, 500));

    [Fact]
    public void Validate_UtimeNegative_NamesUtime() => Assert.Equal(["Utime"], ErrorsFor(-1, 500));

    [Fact]
    public void Validate_UtimeExactlyFiveMinutesAhead_Passes() =>
        Assert.Empty(ErrorsFor(_now.AddMinutes(5).ToUnixTimeMilliseconds(), 500));

    [Fact]
    public void Validate_UtimeMoreThanFiveMinutesAhead_NamesUtime() =>
        Assert.Equal(["Utime"], ErrorsFor(_now.AddMinutes(5).ToUnixTimeMilliseconds() + 1, 500));

    [Fact]
    public void Validate_UtimeInMicroseconds_NamesUtime() =>
        Assert.Equal(["Utime"], ErrorsFor(_now.ToUnixTimeMilliseconds() * 1000, 500));

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(3_600_001L)]
    public void Validate_IntervalOutOfRange_NamesInterval(long? interval) => Assert.Equal(["Interval"], ErrorsFor(0, interval));

    [Fact]
    public void Validate_BothMissing_NamesBoth() => Assert.Equal(["Utime", "Interval"], ErrorsFor(null, null));

    [Fact]
    public void Validate_ResumeWithoutUtimeOrInterval_Passes() =>
        Assert.Empty(_validator.Validate(new StartIncrCommand(null, null, Resume: true)).Errors);

    [Fact]
    public void Validate_ResumeWithIntervalOutOfRange_NamesInterval() =>
        Assert.Equal(["Interval"], _validator.Validate(new StartIncrCommand(null, 0, Resume: true)).Errors.Select(e => e.PropertyName));
}
