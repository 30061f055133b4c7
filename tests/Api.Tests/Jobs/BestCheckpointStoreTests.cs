using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Jobs;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Jobs;

/// The best checkpoint on the run row: written fenced, shown by GET /api/runs/{id}, read back when an attempt resumes.
public abstract class BestCheckpointStoreTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    [Fact]
    public async Task The_best_is_null_before_the_first_evaluation_and_written_only_by_the_attempt_that_holds_the_run()
    {
        var (userId, client, _) = await factory.CreateUserAsync("best");
        var datasetId = await UploadDatasetAsync(client);
        var run = await RunRows.InsertAsync(factory, userId, datasetId, r => (r.Status, r.Attempt) = (RunStatus.Running, 3));
        Assert.Equal(JsonValueKind.Null, (await GetRunAsync(client, run.Id)).GetProperty("best").ValueKind);

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        Assert.Equal(0, await BestCheckpointStore.SaveAsync(db, run.Id, attempt: 2, new BestEvaluation(300, 31.5, 0.2)));
        Assert.Equal(1, await BestCheckpointStore.SaveAsync(db, run.Id, attempt: 3, new BestEvaluation(500, 28.25, double.NaN)));

        var best = (await GetRunAsync(client, run.Id)).GetProperty("best");
        Assert.Equal(500, best.GetProperty("iteration").GetInt64());
        Assert.Equal(28.25, best.GetProperty("swd").GetDouble());
        Assert.Equal(JsonValueKind.Null, best.GetProperty("diversity").ValueKind); // unmeasured, not NaN
    }

    [Fact]
    public async Task A_resumed_attempt_starts_from_the_stored_best_and_the_evaluations_since_it()
    {
        var (userId, client, _) = await factory.CreateUserAsync("resume");
        var datasetId = await UploadDatasetAsync(client);
        var run = await RunRows.InsertAsync(factory, userId, datasetId, r => (r.BestIteration, r.BestSwd, r.BestDiversity) = (300, 31.5, 0.2));
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        // Evaluations every 100 (the one at 500 twice: scheduled and final), and loss rows without SWD between them.
        foreach (var iteration in new long[] { 100, 200, 300, 400, 500, 500, 600 })
            db.RunMetrics.Add(new RunMetric { RunId = run.Id, Iteration = iteration, Swd = 40 - iteration / 100.0 });
        foreach (var iteration in new long[] { 350, 450, 550 })
            db.RunMetrics.Add(new RunMetric { RunId = run.Id, Iteration = iteration, LossD = 1.0 });
        await db.SaveChangesAsync();

        var tracker = await BestCheckpointStore.LoadAsync(db, run.Id, resumedAt: 500);

        Assert.Equal(new BestEvaluation(300, 31.5, 0.2), tracker.Best);
        Assert.Equal(2, tracker.EvaluationsSinceBest); // 400 and 500; 600 lies past the resume point
        Assert.Null((await BestCheckpointStore.LoadAsync(db, run.Id, resumedAt: 200)).Best); // a best past the resume point is dropped
        Assert.Null((await BestCheckpointStore.LoadAsync(db, Guid.NewGuid(), resumedAt: 500)).Best);
    }
}

public sealed class SqliteBestCheckpointStoreTests(SqliteApiFactory factory) : BestCheckpointStoreTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresBestCheckpointStoreTests(PostgresApiFactory factory) : BestCheckpointStoreTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
