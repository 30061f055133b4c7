using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace GanService.Api.Auth;

/// <summary>
/// The studio's sign-in: the API key is exchanged once for an HttpOnly, SameSite=Strict cookie, so the key never sits in
/// script-readable storage, a URL or a Referer. The cookie holds the key's hash (never the key) and a CSRF token, both
/// encrypted and signed by ASP.NET Core Data Protection. A write through the cookie must echo the token in
/// <see cref="CsrfHeaderName"/>: a cross-site page can neither read the token nor set the header. Revoking the key
/// ends the session on its very next request, since every request looks the hash up again.
/// </summary>
public sealed class StudioSession(IDataProtectionProvider dataProtection)
{
    public const string CookieName = "gan_session";
    public const string CsrfHeaderName = "X-CSRF-Token";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("GanService.Studio.Session.v1");

    public sealed record Ticket(string KeyHash, string Csrf);

    /// Starts a session for a verified key; returns the CSRF token that the studio keeps in memory.
    public string SignIn(HttpContext context, string keyHash)
    {
        var ticket = new Ticket(keyHash, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var value = _protector.Protect(JsonSerializer.Serialize(ticket));
        context.Response.Cookies.Append(CookieName, value, Options(context, DateTimeOffset.UtcNow.Add(Lifetime)));
        return ticket.Csrf;
    }

    public static void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, Options(context, expires: null));

    /// The cookie's ticket, or null when there is none or it was not made by this service.
    public Ticket? Read(HttpRequest request)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value)) return null;
        try
        {
            return JsonSerializer.Deserialize<Ticket>(_protector.Unprotect(value));
        }
        catch (Exception exception) when (exception is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads are safe; every other method must carry the session's token. The Hangfire dashboard's own scripts post
    /// without it (they know nothing of our header); SameSite=Strict keeps the cookie off every cross-site request, so
    /// the dashboard of an admin signed in here cannot be driven from another site.
    /// </summary>
    public static bool CsrfSatisfied(HttpRequest request, Ticket ticket) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
        || request.Path.StartsWithSegments("/hangfire", StringComparison.OrdinalIgnoreCase)
        || (request.Headers[CsrfHeaderName].ToString() is { Length: > 0 } sent
            && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(sent), System.Text.Encoding.UTF8.GetBytes(ticket.Csrf)));

    private static CookieOptions Options(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
