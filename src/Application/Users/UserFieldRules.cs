using FluentValidation;
using Migration.Application.Common;

namespace Migration.Application.Users;

/// <summary>The rules every write of a user's fields follows; they match the <c>users</c> columns.</summary>
internal static class UserFieldRules
{
    public const int MaxAge = 150;

    public static void Apply<T>(AbstractValidator<T> validator)
        where T : IUserFields
    {
        validator.RuleFor(u => u.Name)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("'name' is required.")
            .MaximumLength(100).WithMessage("'name' must be at most 100 characters.")
            .Must(NoControlCharacters).WithMessage("'name' must not contain control characters such as NUL or line breaks.");
        validator.RuleFor(u => u.Email)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("'email' is required.")
            .MaximumLength(200).WithMessage("'email' must be at most 200 characters.")
            .Must(NoControlCharacters).WithMessage("'email' must not contain control characters such as NUL or line breaks.")
            .EmailAddress().WithMessage("'email' must be an email address.");
        validator.RuleFor(u => u.Age)
            .Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("'age' is required.")
            .InclusiveBetween(0, MaxAge).WithMessage($"'age' must be between 0 and {MaxAge}.");
        validator.RuleFor(u => u.Balance)
            .Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("'balance' is required.")
            .GreaterThanOrEqualTo(0m).WithMessage("'balance' must not be negative.")
            .Must(DecimalRules.NotRounded).WithMessage("'balance' must have at most 10 digits before the decimal point and 2 after it.")
            .PrecisionScale(12, 2, ignoreTrailingZeros: true)
            .WithMessage("'balance' must have at most 10 digits before the decimal point and 2 after it.");
    }

    /// <summary>
    /// NUL, line breaks and other control characters: some drivers and tools cut a string at a NUL, and a name or
    /// address that holds one reads differently on the two sides or in a log line.
    /// </summary>
    private static bool NoControlCharacters(string? value) => value is null || !value.Any(char.IsControl);
}
