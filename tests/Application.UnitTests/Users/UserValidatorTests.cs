using Migration.Application.Users.CreateUser;
using Migration.Application.Users.TransferBalance;

namespace Migration.Application.UnitTests.Users;

public sealed class UserValidatorTests
{
    private readonly CreateUserCommandValidator _create = new();
    private readonly TransferBalanceCommandValidator _transfer = new();

    [Fact]
    public void Create_AllFieldsValid_Passes() =>
        Assert.True(_create.Validate(new CreateUserCommand("Ada", "ada@example.com", 36, 9_999_999_999.99m)).IsValid);

    [Theory]
    [InlineData(null, "a@example.com", 1, 0, "Name")]
    [InlineData("Ada", "no at sign", 1, 0, "Email")]
    [InlineData("Ada", "a@example.com", -1, 0, "Age")]
    [InlineData("Ada", "a@example.com", null, 0, "Age")]
    [InlineData("Ada", "a@example.com", 1, 0.125, "Balance")]
    [InlineData("Ada", "a@example.com", 1, 10_000_000_000, "Balance")]
    public void Create_OneFieldWrong_FailsOnThatField(string? name, string email, int? age, double balance, string field)
    {
        var result = _create.Validate(new CreateUserCommand(name, email, age, (decimal)balance));

        Assert.Equal(field, Assert.Single(result.Errors).PropertyName);
    }

    [Theory]
    [InlineData("0.0000000000000000000000000000")] // JSON's 1e-30, rounded away by the reader
    [InlineData("5.000000000000000000000000000")] // 5.00000000000000000000000000001, rounded
    public void Create_BalanceTheJsonReaderRounded_FailsOnBalance(string balance)
    {
        var result = _create.Validate(new CreateUserCommand("Ada", "a@example.com", 1, decimal.Parse(balance, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal("Balance", Assert.Single(result.Errors).PropertyName);
    }

    [Fact]
    public void Create_BalanceWithTrailingZeros_Passes() =>
        Assert.True(_create.Validate(new CreateUserCommand("Ada", "a@example.com", 1, 10.500m)).IsValid);

    [Theory]
    [InlineData(1L, 1L, 5, "To")]
    [InlineData(1L, 2L, 0, "Amount")]
    [InlineData(1L, 2L, 0.001, "Amount")]
    [InlineData(null, 2L, 5, "From")]
    public void Transfer_Invalid_FailsOnTheField(long? from, long? to, double amount, string field)
    {
        var result = _transfer.Validate(new TransferBalanceCommand(from, to, (decimal)amount));

        Assert.Equal(field, Assert.Single(result.Errors).PropertyName);
    }
}
