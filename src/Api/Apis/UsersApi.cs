using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Auth;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Roles.Admin);
        users.MapPost("/", CreateUserAsync)
            .WithSummary("Creates a user and its first API key (admin). The key is shown only in this response.")
            .WithExamples(
                request: new CreateUserRequest("ada", MaxConcurrentRuns: 2, StorageQuotaMb: 2048),
                response: new CreatedUserResponse(ExampleUserId, "ada", "gan_3q2-7XbN0c…"),
                responseStatus: StatusCodes.Status201Created);
        users.MapGet("/", ListUsersAsync).WithSummary("Lists users (admin).")
            .WithExamples(response: new[] { new UserResponse(ExampleUserId, "ada", false, 2, 2048L << 20, new DateTime(2026, 11, 28, 9, 0, 0, DateTimeKind.Utc), 1) });
        users.MapDelete("/{id:guid}", DeleteUserAsync)
            .WithSummary("Revokes every API key of a user (admin). Their data stays until deleted.");
        users.MapPost("/{id:guid}/keys", CreateKeyAsync)
            .WithSummary("Issues another API key for a user (admin), e.g. to rotate keys.")
            .WithExamples(response: new CreatedUserResponse(ExampleUserId, "ada", "gan_Jk8m2QpX…"), responseStatus: StatusCodes.Status201Created);

        app.MapGet("/api/me", GetMeAsync).WithTags("Users").RequireAuthorization()
            .WithSummary("Who the key belongs to, with usage and quotas.")
            .WithExamples(response: new MeResponse(ExampleUserId, "ada", false, new UsageResponse(33_146_980, 0, 3_466_980, 29_680_000), new QuotasResponse(2, 2048L << 20)));
        app.MapGet("/api/me/export", ExportAsync).WithTags("Users").RequireAuthorization()
            .WithSummary("All of your data as one zip: account, datasets with their originals, runs with metrics, sample grids and checkpoints, sweeps.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/zip");
        app.MapDelete("/api/me", DeleteMeAsync).WithTags("Users").RequireAuthorization()
            .WithSummary("Deletes your account and everything in it: runs (cancelled first), checkpoints, samples, datasets, sweeps and keys.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static readonly Guid ExampleUserId = Guid.Parse("7d1f5c1e-2f7b-4a8e-9a51-0d6f3c2b8e11");

    public static async Task<Results<Created<CreatedUserResponse>, ValidationProblem>> CreateUserAsync(
        CreateUserRequest request, GanDbContext db, UploadSettings uploads, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) errors["name"] = ["name is required and at most 200 characters long."];
        if (request.MaxConcurrentRuns is < 0 or > 64) errors["maxConcurrentRuns"] = ["maxConcurrentRuns must be between 0 (may not train) and 64."];
        if (request.StorageQuotaMb is < 1 or > 10_000_000) errors["storageQuotaMb"] = ["storageQuotaMb must be between 1 and 10000000."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var key = ApiKeys.Generate();
        var user = new User
        {
            Name = name,
            MaxConcurrentRuns = request.MaxConcurrentRuns ?? 1,
            StorageQuotaBytes = (request.StorageQuotaMb ?? uploads.DefaultStorageQuotaMb) << 20,
        };
        user.ApiKeys.Add(ApiKeys.Record(key));
        db.Users.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/users/{user.Id}", new CreatedUserResponse(user.Id, user.Name, key));
    }

    public static async Task<Ok<List<UserResponse>>> ListUsersAsync(GanDbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Users.OrderBy(user => user.CreatedAt)
            .Select(user => new UserResponse(user.Id, user.Name, user.IsAdmin, user.MaxConcurrentRuns,
                user.StorageQuotaBytes, user.CreatedAt, user.ApiKeys.Count(key => key.RevokedAt == null)))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(users);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteUserAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        if (id == caller.UserId())
            return Problems.Of(StatusCodes.Status409Conflict, "You cannot revoke your own keys; ask another admin.");
        var user = await db.Users.Include(u => u.ApiKeys).SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null) return Problems.NotFound("user");
        foreach (var key in user.ApiKeys.Where(key => key.RevokedAt is null)) key.RevokedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<CreatedUserResponse>, ProblemHttpResult>> CreateKeyAsync(
        Guid id, GanDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null) return Problems.NotFound("user");
        var key = ApiKeys.Generate();
        db.ApiKeys.Add(ApiKeys.Record(key, user.Id));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/users/{user.Id}", new CreatedUserResponse(user.Id, user.Name, key));
    }

    public static async Task<FileStreamHttpResult> ExportAsync(ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        // Built in a temporary file (checkpoints make it large), which goes when the response is sent.
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await AccountArchive.WriteAsync(db, blobs, caller.UserId(), file, cancellationToken);
            file.Position = 0;
            return TypedResults.File(file, "application/zip", $"ganservice-{caller.Identity?.Name}-{DateTime.UtcNow:yyyyMMdd}.zip");
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteMeAsync(
        ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (user.IsAdmin && !await db.Users.AnyAsync(u => u.IsAdmin && u.Id != userId, cancellationToken))
            return Problems.Of(StatusCodes.Status409Conflict, "You are the only admin; make another admin before deleting this account. Nothing was deleted.");
        // Runs first (each cancelled, its row and blobs gone), then the datasets' rows and blobs, then the account,
        // whose keys, sweeps and remaining rows go with it.
        foreach (var run in await db.Runs.AsNoTracking().Where(r => r.OwnerId == userId).ToListAsync(cancellationToken))
            await lifecycle.DeleteAsync(run, blobs, cancellationToken);
        var datasets = await db.Datasets.Where(d => d.OwnerId == userId).Select(d => d.Id).ToListAsync(cancellationToken);
        await db.Datasets.Where(d => d.OwnerId == userId).ExecuteDeleteAsync(cancellationToken);
        foreach (var id in datasets) await blobs.DeletePrefixAsync($"datasets/{id}/", CancellationToken.None);
        await db.Sweeps.Where(s => s.OwnerId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.Users.Where(u => u.Id == userId).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<MeResponse>> GetMeAsync(ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var storage = await StorageUsage.OfUserAsync(db, userId, cancellationToken);
        var runningRuns = await db.Runs.CountAsync(r => r.OwnerId == userId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running), cancellationToken);
        return TypedResults.Ok(new MeResponse(user.Id, user.Name, user.IsAdmin,
            new UsageResponse(storage.TotalBytes, runningRuns, storage.DatasetBytes, storage.CheckpointBytes),
            new QuotasResponse(user.MaxConcurrentRuns, user.StorageQuotaBytes)));
    }
}

public sealed record CreateUserRequest(string? Name, int? MaxConcurrentRuns = null, long? StorageQuotaMb = null);

public sealed record CreatedUserResponse(Guid Id, string Name, string ApiKey);

public sealed record UserResponse(Guid Id, string Name, bool IsAdmin, int MaxConcurrentRuns, long StorageQuotaBytes, DateTime CreatedAt, int ActiveKeys);

public sealed record MeResponse(Guid Id, string Name, bool IsAdmin, UsageResponse Usage, QuotasResponse Quotas);

/// <summary>storageBytes is what counts against the quota: datasetBytes (stored images) plus checkpointBytes (the runs' kept checkpoints).</summary>
public sealed record UsageResponse(long StorageBytes, int RunningRuns, long DatasetBytes, long CheckpointBytes);

public sealed record QuotasResponse(int MaxConcurrentRuns, long StorageQuotaBytes);
