using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// GET /api/runs/{id} says where a queued run stands in the shared queue ("2nd in line, about 14 minutes").
public sealed class QueuePlaceTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task A_queued_run_knows_its_place_and_the_wait_when_the_runs_before_it_have_known_ends()
    {
        var (_, alice, _) = await factory.CreateUserAsync("alice-queue");
        var (_, bob, _) = await factory.CreateUserAsync("bob-queue");
        var (_, carol, _) = await factory.CreateUserAsync("carol-queue");
        var long_ = TinyConfig(iterations: 1_000_000, every: 1_000_000);
        var training = (await StartRunAsync(alice, await UploadDatasetAsync(alice), long_)).Id();
        var running = await WaitForAsync(alice, training, r => r.Status() == RunStatus.Running && r.GetProperty("etaSeconds").ValueKind == JsonValueKind.Number);
        Assert.Equal(JsonValueKind.Null, running.GetProperty("queue").ValueKind);

        var budgeted = TinyConfig(iterations: 1_000_000, every: 1_000_000);
        budgeted["minutes"] = 2;
        var second = (await StartRunAsync(bob, await UploadDatasetAsync(bob), budgeted)).Id();
        var third = (await StartRunAsync(carol, await UploadDatasetAsync(carol), TinyConfig(iterations: 1_000_000, every: 1_000_000))).Id();
        try
        {
            var place = (await GetRunAsync(bob, second)).GetProperty("queue");
            Assert.Equal(1, place.GetProperty("position").GetInt32());
            Assert.Equal(1, place.GetProperty("running").GetInt32());
            var wait = place.GetProperty("waitSeconds").GetDouble();
            Assert.InRange(wait, 1, 1e7); // Alice's ETA: she is the only one ahead

            var last = (await GetRunAsync(carol, third)).GetProperty("queue");
            Assert.Equal(2, last.GetProperty("position").GetInt32());
            // Alice's ETA plus Bob's two-minute budget.
            Assert.True(last.GetProperty("waitSeconds").GetDouble() >= wait + 100, last.ToString());
        }
        finally
        {
            foreach (var (client, id) in new[] { (alice, training), (bob, second), (carol, third) })
                await client.PostAsync($"/api/runs/{id}/cancel", null);
        }
    }
}
