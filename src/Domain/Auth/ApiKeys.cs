using System.Security.Cryptography;
using System.Text;

namespace GanService.Domain.Auth;

public static class ApiKeys
{
    private const string KeyPrefix = "gan_";

    /// A new key: "gan_" and 32 random bytes in base64url (256 bits of entropy).
    public static string Generate() =>
        KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// Keys carry 256 random bits, so a fast unsalted hash is enough: nobody can brute-force the input.
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// What is stored to tell keys apart: the prefix and the first few characters.
    public static string DisplayPrefix(string key) => key[..Math.Min(key.Length, 10)];

    /// The row that stores a key: its hash and display prefix (never the key), its owner, name and scopes.
    public static GanService.Domain.Data.ApiKey Record(string key, Guid userId = default, string name = "", string? scopes = null) =>
        new() { UserId = userId, KeyHash = Hash(key), Prefix = DisplayPrefix(key), Name = name, Scopes = scopes };
}
