using System.Security.Claims;
using System.Text.Encodings.Web;
using GanService.Domain.Auth;
using GanService.Domain.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanService.Api.Auth;

/// Authenticates the X-Api-Key header, or the studio's session cookie (<see cref="StudioSession"/>), against the stored
/// key hashes. Failures answer with a ProblemDetails body, like every other error of the API.
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    GanDbContext db,
    StudioSession sessions,
    TimeProvider time,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ScopeClaim = "scope", KeyIdClaim = "key_id";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private string? _failure;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string hash;
        if (Request.Headers.TryGetValue(HeaderName, out var values) && !string.IsNullOrWhiteSpace(values.ToString()))
        {
            hash = ApiKeys.Hash(values.ToString().Trim());
        }
        else if (sessions.Read(Request) is { } ticket)
        {
            if (!StudioSession.CsrfSatisfied(Request, ticket))
                return Fail($"A write through the studio's session needs its {StudioSession.CsrfHeaderName} header.");
            hash = ticket.KeyHash;
        }
        else
        {
            return AuthenticateResult.NoResult();
        }

        var key = await db.ApiKeys
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { KeyId = k.Id, k.Scopes, k.LastUsedAt, k.User!.Id, k.User.Name, k.User.IsAdmin })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (key is null) return Fail("The API key is unknown or has been revoked.");

        // Last used, at most one write a minute per key: reads stay reads under load.
        var now = time.GetUtcNow().UtcDateTime;
        if (key.LastUsedAt is not { } last || now - last > LastUsedResolution)
            await db.ApiKeys.Where(k => k.Id == key.KeyId && (k.LastUsedAt == null || k.LastUsedAt < now - LastUsedResolution))
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);

        var scopes = KeyScopes.Of(key.Scopes, key.IsAdmin);
        List<Claim> claims = [new(ClaimTypes.NameIdentifier, key.Id.ToString()), new(ClaimTypes.Name, key.Name), new(KeyIdClaim, key.KeyId.ToString())];
        claims.AddRange(scopes.Select(scope => new Claim(ScopeClaim, scope)));
        if (key.IsAdmin && scopes.Contains(KeyScopes.Admin)) claims.Add(new Claim(ClaimTypes.Role, Roles.Admin));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private AuthenticateResult Fail(string reason)
    {
        _failure = reason;
        return AuthenticateResult.Fail(reason);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            _failure ?? $"Send your API key in the {HeaderName} header, or sign in to the studio.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This route is for administrators only.");

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}

public static class Roles
{
    public const string Admin = "admin";
}

public static class ClaimsPrincipalExtensions
{
    /// The id of the authenticated user; every /api route requires one.
    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The request is not authenticated."));

    /// The id of the API key the request came with (also for a studio session: the key it signed in with).
    public static Guid KeyId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim)
            ?? throw new InvalidOperationException("The request is not authenticated."));

    /// The key's scopes (<see cref="KeyScopes"/>).
    public static IReadOnlyList<string> Scopes(this ClaimsPrincipal principal) =>
        principal.FindAll(ApiKeyAuthenticationHandler.ScopeClaim).Select(c => c.Value).ToList();
}
