using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Migration.WebApi.Security;

/// <summary>
/// The accepted keys, kept only as SHA-256 hashes so they are compared in constant time whatever their length.
/// With neither a key nor JWT configured it makes one, which <see cref="GeneratedKey"/> holds until it has been printed.
/// </summary>
internal sealed class ApiKeyStore
{
    private readonly (byte[] Hash, string Name, string[] Roles)[] _keys;

    public ApiKeyStore(IOptions<AuthOptions> options)
    {
        var configured = options.Value.ApiKeys.Where(k => !string.IsNullOrWhiteSpace(k.Key)).ToList();
        if (configured.Count == 0 && !options.Value.Jwt.Enabled)
        {
            GeneratedKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            configured.Add(new ApiKeyEntry { Name = "generated", Key = GeneratedKey, Roles = [Roles.Operator] });
        }

        _keys = configured.Select(k => (Hash(k.Key), string.IsNullOrWhiteSpace(k.Name) ? "api-key" : k.Name, k.Roles.ToArray())).ToArray();
    }

    /// <summary>The key made at start when none was configured; null once printed, or when keys are configured.</summary>
    public string? GeneratedKey { get; private set; }

    /// <summary>Returns the generated key once, then forgets it.</summary>
    public string? TakeGeneratedKey()
    {
        var key = GeneratedKey;
        GeneratedKey = null;
        return key;
    }

    /// <summary>Finds the key's holder; every configured key is compared, so the time taken does not tell which matched.</summary>
    public (string Name, string[] Roles)? Find(string presented)
    {
        var hash = Hash(presented);
        (string, string[])? match = null;
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash))
            {
                match = (key.Name, key.Roles);
            }
        }

        return match;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>Role names.</summary>
public static class Roles
{
    /// <summary>May switch the double-write pattern.</summary>
    public const string Operator = "operator";
}

/// <summary>Authorization policy names.</summary>
public static class Policies
{
    /// <summary>Any authenticated caller: every endpoint that changes something.</summary>
    public const string Mutate = "mutate";

    /// <summary>Callers with the <see cref="Roles.Operator"/> role: pattern switches.</summary>
    public const string Operator = "operator";

    /// <summary>Reads: open, or authenticated when <see cref="AuthOptions.ProtectReads"/> is set.</summary>
    public const string Read = "read";
}
