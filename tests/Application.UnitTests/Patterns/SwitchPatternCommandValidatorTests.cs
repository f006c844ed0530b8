using Migration.Application.Patterns.SwitchPattern;

namespace Migration.Application.UnitTests.Patterns;

public sealed class SwitchPatternCommandValidatorTests
{
    private readonly SwitchPatternCommandValidator _validator = new();

    [Theory]
    [InlineData("src_only")]
    [InlineData("src_first")]
    [InlineData("dst_first")]
    [InlineData("dst_only")]
    public void Validate_KnownPattern_Passes(string pattern) =>
        Assert.True(_validator.Validate(new SwitchPatternCommand(pattern, false)).IsValid);

    [Theory]
    [InlineData("")]
    [InlineData("SRC_ONLY")]
    [InlineData("dst_last")]
    public void Validate_UnknownPattern_FailsOnPattern(string pattern)
    {
        var result = _validator.Validate(new SwitchPatternCommand(pattern, false));

        Assert.Equal(nameof(SwitchPatternCommand.Pattern), Assert.Single(result.Errors).PropertyName);
    }
}
