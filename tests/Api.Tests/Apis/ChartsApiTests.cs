using System.Net;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// The loss chart, end to end on SQLite: a tiny run trains in-process, then its history is drawn.
public sealed class ChartsApiTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task A_completed_runs_chart_is_a_png_of_the_asked_size_and_only_its_owner_sees_it()
    {
        var (_, owner, _) = await factory.CreateUserAsync("charted");
        var (_, intruder, _) = await factory.CreateUserAsync("peeker");
        var runId = (await StartRunAsync(owner, await UploadDatasetAsync(owner), TinyConfig(iterations: 40))).Id();
        await WaitForStatusAsync(owner, runId, RunStatus.Completed);

        using (var chart = await (await owner.GetAsync($"/api/runs/{runId}/charts/losses.png")).ReadPngAsync())
        {
            Assert.Equal((1000, 1000), (chart.Width, chart.Height));
        }

        using (var small = await (await owner.GetAsync($"/api/runs/{runId}/charts/losses.png?width=640&height=480")).ReadPngAsync())
        {
            Assert.Equal((640, 480), (small.Width, small.Height));
        }

        await (await intruder.GetAsync($"/api/runs/{runId}/charts/losses.png")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await owner.GetAsync($"/api/runs/{Guid.NewGuid()}/charts/losses.png")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_size_out_of_range_is_a_400_naming_the_field()
    {
        var (_, client, _) = await factory.CreateUserAsync("huge");
        var runId = (await StartRunAsync(client, await UploadDatasetAsync(client), TinyConfig(iterations: 20))).Id();

        var problem = await (await client.GetAsync($"/api/runs/{runId}/charts/losses.png?width=100000")).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("width", out _), problem.ToString());
        Assert.False(problem.GetProperty("errors").TryGetProperty("height", out _), problem.ToString());
        // Whatever state the run is in by now (maybe nothing logged yet), the chart renders.
        using var chart = await (await client.GetAsync($"/api/runs/{runId}/charts/losses.png?height=300")).ReadPngAsync();
        Assert.Equal(300, chart.Height);
    }
}
