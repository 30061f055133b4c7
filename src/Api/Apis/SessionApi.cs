using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Auth;
using GanService.Domain.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

/// <summary>The studio's sign-in: an API key in, an HttpOnly session cookie and a CSRF token out (<see cref="StudioSession"/>).</summary>
public static class SessionApi
{
    public static IEndpointRouteBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/api/session").WithTags("Studio session");
        session.MapPost("/", SignInAsync).AllowAnonymous()
            .WithExamples(request: new SignInRequest("gan_3q2-7XbN0c…"), response: Example)
            .WithSummary("Signs the studio in with an API key: sets an HttpOnly, SameSite=Strict cookie and returns the CSRF token that writes through it must send in X-CSRF-Token.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        session.MapGet("/", GetSession).AllowAnonymous().WithExamples(response: Example)
            .WithSummary("The signed-in session and its CSRF token (the studio asks again after a reload); 204 when not signed in.");
        session.MapDelete("/", SignOut).AllowAnonymous()
            .WithSummary("Signs out: the session cookie is removed.");
        return app;
    }

    private static readonly SessionResponse Example = new(Guid.Parse("7d1f5c1e-2f7b-4a8e-9a51-0d6f3c2b8e11"), "ada", false, "q8vJ0m7hY2…");

    public static async Task<Results<Ok<SessionResponse>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        SignInRequest request, HttpContext context, GanDbContext db, StudioSession sessions, CancellationToken cancellationToken)
    {
        var key = request.ApiKey?.Trim() ?? "";
        if (key.Length is 0 or > 512) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["apiKey"] = ["apiKey is required."] });
        var hash = ApiKeys.Hash(key);
        var user = await db.ApiKeys.Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { k.User!.Id, k.User.Name, k.User.IsAdmin }).SingleOrDefaultAsync(cancellationToken);
        if (user is null) return Problems.Of(StatusCodes.Status401Unauthorized, "The API key is unknown or has been revoked.");
        var csrf = sessions.SignIn(context, hash);
        return TypedResults.Ok(new SessionResponse(user.Id, user.Name, user.IsAdmin, csrf));
    }

    public static Results<Ok<SessionResponse>, NoContent> GetSession(ClaimsPrincipal caller, HttpContext context, StudioSession sessions)
    {
        // No cookie, a cookie of a revoked key, or a caller signed in by header: no studio session to describe.
        if (caller.Identity?.IsAuthenticated != true || sessions.Read(context.Request) is not { } ticket) return TypedResults.NoContent();
        return TypedResults.Ok(new SessionResponse(caller.UserId(), caller.Identity?.Name ?? "", caller.IsInRole(Roles.Admin), ticket.Csrf));
    }

    public static NoContent SignOut(HttpContext context)
    {
        StudioSession.SignOut(context);
        return TypedResults.NoContent();
    }
}

public sealed record SignInRequest(string? ApiKey);

public sealed record SessionResponse(Guid Id, string Name, bool IsAdmin, string CsrfToken);
