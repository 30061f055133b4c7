namespace GanService.Domain.Storage;

/// The key rules every store applies, so that a key valid in embedded mode is valid in server mode and
/// the other way round: '/'-separated, relative, no empty, "." or ".." segment, no backslash.
internal static class BlobKeys
{
    public static string Check(string key)
    {
        if (string.IsNullOrEmpty(key) || key.StartsWith('/') || key.Contains('\\') || key.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        return key;
    }

    /// A prefix is a key, or a key followed by '/' (a folder). Empty only where the caller allows it.
    public static string CheckPrefix(string prefix, bool allowEmpty)
    {
        if (prefix.Length == 0 && allowEmpty) return prefix;
        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        try
        {
            Check(trimmed);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Invalid blob prefix '{prefix}'.", nameof(prefix));
        }
        return prefix;
    }
}
