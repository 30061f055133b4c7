using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Auth;
using GanService.Domain.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

/// <summary>Your own API keys: several, named, scoped (read, train, admin), rotated and revoked. A key is shown once.</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/me/keys").WithTags("Users").RequireAuthorization();
        keys.MapPost("/", CreateAsync)
            .WithSummary("Creates another key of yours with a name and scopes (read, train, admin); the key is shown only in this response.")
            .WithDescription("`read` looks (every GET) and makes images that store nothing (generate, interpolate, project); `train` also uploads, " +
                             "changes, starts and deletes; `admin` also the admin routes, for an admin. A key can give no scope it lacks itself.")
            .WithExamples(request: new CreateKeyRequest("laptop, read only", ["read"]), responseStatus: StatusCodes.Status201Created, response: ExampleCreated);
        keys.MapGet("/", ListAsync).WithSummary("Your keys that still work: name, scopes, created and last used (never the key itself).")
            .WithExamples(response: new[] { new KeyResponse(ExampleCreated.Id, ExampleCreated.Name, ["read"], "gan_Jk8m2Q…", ExampleCreated.CreatedAt, ExampleCreated.CreatedAt.AddHours(2), false) });
        keys.MapPost("/{id:guid}/rotate", RotateAsync)
            .WithSummary("Replaces a key by a new one with the same name and scopes; the old one is refused from its next request.")
            .WithExamples(response: ExampleCreated, responseStatus: StatusCodes.Status201Created);
        keys.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revokes one of your keys; it is refused from its very next request.");
        return app;
    }

    private static readonly CreatedKeyResponse ExampleCreated =
        new(Guid.Parse("1b5e7c2a-4d3f-4e8a-9c1b-2a3d4e5f6a7b"), "laptop, read only", ["read"], "gan_Jk8m2QpX…", new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc));

    public static async Task<Results<Created<CreatedKeyResponse>, ValidationProblem>> CreateAsync(
        CreateKeyRequest request, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 100) errors["name"] = ["name is required and at most 100 characters long"];
        var scopes = KeyScopes.Parse(request.Scopes);
        if (scopes is null) errors["scopes"] = [$"one or more of {string.Join(", ", KeyScopes.All)}"];
        else if (scopes.Except(caller.Scopes()).ToList() is { Count: > 0 } more)
            errors["scopes"] = [$"this key has {string.Join(", ", caller.Scopes())} and cannot give {string.Join(", ", more)}"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var (key, secret) = NewKey(caller.UserId(), name, string.Join(',', scopes!));
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/me/keys/{key.Id}", new CreatedKeyResponse(key.Id, key.Name, scopes!, secret, key.CreatedAt));
    }

    public static async Task<Ok<List<KeyResponse>>> ListAsync(ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var isAdmin = await db.Users.Where(u => u.Id == userId).Select(u => u.IsAdmin).SingleAsync(cancellationToken);
        var current = caller.KeyId();
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId && k.RevokedAt == null).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(keys.Select(k => new KeyResponse(k.Id, k.Name, KeyScopes.Of(k.Scopes, isAdmin), k.Prefix + "…", k.CreatedAt, k.LastUsedAt, k.Id == current)).ToList());
    }

    public static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> RotateAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var old = await db.ApiKeys.Include(k => k.User).SingleOrDefaultAsync(k => k.Id == id && k.UserId == userId && k.RevokedAt == null, cancellationToken);
        if (old is null) return Problems.NotFound("key");
        var (key, secret) = NewKey(userId, old.Name, old.Scopes);
        old.RevokedAt = time.GetUtcNow().UtcDateTime;
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/me/keys/{key.Id}", new CreatedKeyResponse(key.Id, key.Name, KeyScopes.Of(key.Scopes, old.User!.IsAdmin), secret, key.CreatedAt));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var revoked = await db.ApiKeys.Where(k => k.Id == id && k.UserId == userId && k.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.RevokedAt, time.GetUtcNow().UtcDateTime), cancellationToken);
        return revoked == 1 ? TypedResults.NoContent() : Problems.NotFound("key");
    }

    private static (ApiKey Key, string Secret) NewKey(Guid userId, string name, string? scopes)
    {
        var secret = ApiKeys.Generate();
        return (ApiKeys.Record(secret, userId, name, scopes), secret);
    }
}

public sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Scopes);

public sealed record CreatedKeyResponse(Guid Id, string Name, IReadOnlyList<string> Scopes, string ApiKey, DateTime CreatedAt);

/// <summary>One of your keys: never the key itself, only its first characters (prefix); current marks the one this request came with.</summary>
public sealed record KeyResponse(Guid Id, string Name, IReadOnlyList<string> Scopes, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, bool Current);
