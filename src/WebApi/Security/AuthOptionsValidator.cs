using Microsoft.Extensions.Options;

namespace Migration.WebApi.Security;

/// <summary>
/// Refuses to start with an API key shorter than <see cref="MinimumKeyLength"/> characters, naming the entry and its
/// holder, never the key.
/// </summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <summary>Guessing a key of 32 random characters is out of reach; a short one is a password.</summary>
    public const int MinimumKeyLength = 32;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var entry = options.ApiKeys[i];
            if (!string.IsNullOrWhiteSpace(entry.Key) && entry.Key.Length < MinimumKeyLength)
            {
                var holder = string.IsNullOrWhiteSpace(entry.Name) ? "" : $" ('{entry.Name}')";
                failures.Add($"Auth:ApiKeys:{i}:Key{holder} is {entry.Key.Length} characters long; an API key needs at least {MinimumKeyLength} random characters.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
