using GanService.Api.Events;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// Many subscribers of a run's events share one database poll per tick.
public sealed class RunEventsFanOutTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task Twenty_subscribers_each_get_progress_while_the_database_is_polled_once_a_tick()
    {
        var (_, client, _) = await factory.CreateUserAsync("watched");
        var runId = (await StartRunAsync(client, await UploadDatasetAsync(client), TinyConfig(iterations: 1_000_000, every: 1_000_000))).Id();
        await WaitForStatusAsync(client, runId, RunStatus.Running);
        var hub = factory.Services.GetRequiredService<RunEventsHub>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var pollsBefore = hub.Polls;
            var started = DateTime.UtcNow;
            // Each reads its stream until two progress events have come (the first at once, the next as the run moves).
            var subscribers = Enumerable.Range(0, 20).Select(async _ =>
            {
                using var stream = await client.GetStreamAsync($"/api/runs/{runId}/events", timeout.Token);
                using var reader = new StreamReader(stream);
                var progress = 0;
                while (progress < 2 && await reader.ReadLineAsync(timeout.Token) is { } line)
                    if (line == "event: progress") progress++;
                return progress;
            }).ToList();
            Assert.All(await Task.WhenAll(subscribers), progress => Assert.Equal(2, progress));

            var ticks = (DateTime.UtcNow - started) / RunEventsHub.Tick;
            var polls = hub.Polls - pollsBefore;
            // Per subscriber it would be 20 x ticks; shared, about one a tick (and never more than that, plus slack).
            Assert.True(polls <= ticks + 3, $"{polls} polls in {ticks:0.0} ticks for 20 subscribers");
        }
        finally
        {
            await client.PostAsync($"/api/runs/{runId}/cancel", null);
        }
    }
}
