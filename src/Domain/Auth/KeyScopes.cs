namespace GanService.Domain.Auth;

/// <summary>
/// What an API key may do. <c>read</c>: look (every GET) and make images that store nothing (generate, interpolate,
/// project). <c>train</c>: also upload, change, start, cancel, fork and delete. <c>admin</c>: also the admin routes,
/// for a key of an admin. A key never does more than its user may.
/// </summary>
public static class KeyScopes
{
    public const string Read = "read", Train = "train", Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Read, Train, Admin];

    /// <summary>The scopes of a stored key: its own, or (null, a key an admin issued) all that its user may.</summary>
    public static IReadOnlyList<string> Of(string? stored, bool userIsAdmin) =>
        stored is null
            ? userIsAdmin ? All : [Read, Train]
            : stored.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(s => userIsAdmin || s != Admin).ToList();

    /// <summary>Parses requested scopes: lower-case, known, no duplicates, at least one; null when one is unknown.</summary>
    public static IReadOnlyList<string>? Parse(IEnumerable<string>? requested)
    {
        var scopes = (requested ?? []).Select(s => s?.Trim().ToLowerInvariant() ?? "").Distinct().ToList();
        return scopes.Count > 0 && scopes.All(All.Contains) ? All.Where(scopes.Contains).ToList() : null;
    }
}
