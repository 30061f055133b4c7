using System.Security.Claims;
using System.Text.Encodings.Web;
using GanService.Domain.Auth;
using GanService.Domain.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanService.Api.Auth;

/// Authenticates the X-Api-Key header against the stored key hashes. Failures answer with a
/// ProblemDetails body, like every other error of the API.
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    GanDbContext db,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || string.IsNullOrWhiteSpace(values.ToString()))
            return AuthenticateResult.NoResult();

        var hash = ApiKeys.Hash(values.ToString().Trim());
        var user = await db.ApiKeys
            .Where(key => key.KeyHash == hash && key.RevokedAt == null)
            .Select(key => new { key.User!.Id, key.User.Name, key.User.IsAdmin })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (user is null) return AuthenticateResult.Fail("Unknown or revoked API key.");

        List<Claim> claims = [new(ClaimTypes.NameIdentifier, user.Id.ToString()), new(ClaimTypes.Name, user.Name)];
        if (user.IsAdmin) claims.Add(new Claim(ClaimTypes.Role, Roles.Admin));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            Request.Headers.ContainsKey(HeaderName)
                ? "The API key is unknown or has been revoked."
                : $"Send your API key in the {HeaderName} header.");

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
}
