using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Jobs;

/// <summary>
/// Fair turns on the one in-process trainer of embedded mode, with the default settings: when the trainer frees up it
/// takes the next run of the user who has had the least training lately, not the oldest run overall.
/// </summary>
public sealed class FairTurnsTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task Bobs_one_run_goes_before_Alices_second_and_third_though_she_queued_them_first()
    {
        var alice = await UserAsync("alice-fair");
        var bob = await UserAsync("bob-fair");
        var first = await StartLongAsync(alice);
        var a2 = await StartShortAsync(alice);
        var a3 = await StartShortAsync(alice);
        var b1 = await StartShortAsync(bob);

        await alice.Client.PostAsync($"/api/runs/{first}/cancel", null);
        var order = await StartOrderAsync((alice, a2, "a2"), (alice, a3, "a3"), (bob, b1, "b1"));
        Assert.Equal(["b1", "a2", "a3"], order);
    }

    [Fact]
    public async Task With_three_users_the_ones_who_trained_least_lately_go_first()
    {
        var alice = await UserAsync("alice-fair3");
        var bob = await UserAsync("bob-fair3");
        var carol = await UserAsync("carol-fair3");
        var first = await StartLongAsync(alice);
        var a2 = await StartShortAsync(alice);
        var a3 = await StartShortAsync(alice);
        var b1 = await StartShortAsync(bob);
        var c1 = await StartShortAsync(carol);
        var b2 = await StartShortAsync(bob);

        await alice.Client.PostAsync($"/api/runs/{first}/cancel", null);
        var order = await StartOrderAsync((alice, a2, "a2"), (alice, a3, "a3"), (bob, b1, "b1"), (carol, c1, "c1"), (bob, b2, "b2"));
        // Bob and Carol had nothing: Bob's first (queued before Carol's), then Carol's; then Bob's second, since his
        // one short run is less than Alice's long one; Alice's last, oldest first.
        Assert.Equal(["b1", "c1", "b2", "a2", "a3"], order);
    }

    private async Task<User> UserAsync(string name)
    {
        var (_, client, _) = await factory.CreateUserAsync(name, maxConcurrentRuns: 5);
        return new User(client, await UploadDatasetAsync(client));
    }

    /// <summary>Alice's first run holds the trainer (and charges her account) while the others queue behind it.</summary>
    private static async Task<Guid> StartLongAsync(User user)
    {
        var id = (await StartRunAsync(user.Client, user.DatasetId, TinyConfig(iterations: 1_000_000, every: 1_000_000))).Id();
        await WaitForAsync(user.Client, id, r => r.Status() == RunStatus.Running && r.GetProperty("iteration").GetInt64() >= 50, seconds: 60);
        return id;
    }

    private static async Task<Guid> StartShortAsync(User user)
    {
        var run = await StartRunAsync(user.Client, user.DatasetId, TinyConfig(iterations: 10, every: 10));
        Assert.Equal(RunStatus.Queued, run.Status());
        return run.Id();
    }

    /// <summary>The runs' names in the order the trainer started them, once all have completed.</summary>
    private static async Task<string[]> StartOrderAsync(params (User User, Guid Id, string Name)[] runs)
    {
        var started = new List<(DateTime At, string Name)>();
        foreach (var (user, id, name) in runs)
        {
            var done = await WaitForStatusAsync(user.Client, id, RunStatus.Completed, seconds: 120);
            started.Add((done.GetProperty("startedAt").GetDateTime(), name));
        }
        return [.. started.OrderBy(s => s.At).Select(s => s.Name)];
    }

    private sealed record User(HttpClient Client, Guid DatasetId);
}

/// <summary>Fair turns in server mode: two src/Worker processes share the queue, and a freed one still takes the fairest run.</summary>
public sealed class ServerModeFairTurnsTests(ServerModeApiFactory factory) : IClassFixture<ServerModeApiFactory>
{
    [Fact]
    public async Task A_freed_worker_takes_the_other_users_run_before_the_next_of_the_user_who_holds_both_workers()
    {
        using var one = factory.StartWorker("fair-worker-1");
        using var two = factory.StartWorker("fair-worker-2");
        var (_, alice, _) = await factory.CreateUserAsync("alice-fair-server", maxConcurrentRuns: 4);
        var (_, bob, _) = await factory.CreateUserAsync("bob-fair-server");
        var aliceData = await UploadDatasetAsync(alice);
        var bobData = await UploadDatasetAsync(bob);
        var long_ = TinyConfig(iterations: 1_000_000, every: 1_000_000);
        var a1 = (await StartRunAsync(alice, aliceData, long_)).Id();
        var a2 = (await StartRunAsync(alice, aliceData, long_)).Id();
        try
        {
            foreach (var id in new[] { a1, a2 })
                await WaitForAsync(alice, id, r => r.Status() == RunStatus.Running && r.GetProperty("iteration").GetInt64() >= 20, seconds: 120);
            var a3 = (await StartRunAsync(alice, aliceData, TinyConfig(iterations: 10, every: 10))).Id();
            var b1 = (await StartRunAsync(bob, bobData, TinyConfig(iterations: 10, every: 10))).Id();

            await alice.PostAsync($"/api/runs/{a1}/cancel", null);
            var bobs = await WaitForStatusAsync(bob, b1, RunStatus.Completed, seconds: 120);
            // Alice's third run waited: both workers were hers, so the freed one went to Bob.
            var third = await GetRunAsync(alice, a3);
            Assert.True(third.Status() == RunStatus.Queued || third.GetProperty("startedAt").GetDateTime() > bobs.GetProperty("startedAt").GetDateTime(),
                $"Alice's third run started before Bob's: {third}\n{bobs}\n{one.Log}\n{two.Log}");
            await alice.PostAsync($"/api/runs/{a2}/cancel", null);
            await WaitForStatusAsync(alice, a3, RunStatus.Completed, seconds: 120);
        }
        finally
        {
            foreach (var id in new[] { a1, a2 })
                await alice.PostAsync($"/api/runs/{id}/cancel", null);
        }
    }
}
