using System.Diagnostics;
using System.Text.Json.Nodes;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// <summary>
/// The command line (`GanService.Worker train`) and the queue's job train through the same session: for the same
/// images, seed and config they must write the same metric rows, in the same CSV format.
/// </summary>
public sealed class RunMetricsParityTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task The_command_line_and_a_queued_run_write_the_same_metric_rows_for_the_same_seed_and_config()
    {
        // The last iteration (25) is off the logging interval and on no cadence, 20 is on all of them.
        var config = new JsonObject
        {
            ["resolution"] = 16, ["batchSize"] = 4, ["generatorChannels"] = 8, ["discriminatorChannels"] = 4, ["latentDim"] = 16,
            ["iterations"] = 25, ["sampleEvery"] = 10, ["checkpointEvery"] = 10, ["evaluateEvery"] = 10, ["seed"] = 11, ["threads"] = 1,
        };
        var (_, client, _) = await factory.CreateUserAsync("parity");
        var images = Fixtures.PhonePhotos.Order(StringComparer.Ordinal).Select(name => (name, Fixtures.Read(name))).ToArray();
        var upload = await client.PostAsync("/api/datasets", Fixtures.Upload("parity", images));
        upload.EnsureSuccessStatusCode();
        var datasetId = System.Text.Json.JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var runId = (await StartRunAsync(client, datasetId, config, preset: "small-data")).Id();

        var folder = Directory.CreateTempSubdirectory("ganservice-parity-").FullName;
        try
        {
            var imageFolder = Directory.CreateDirectory(Path.Combine(folder, "images")).FullName;
            foreach (var (name, content) in images) await File.WriteAllBytesAsync(Path.Combine(imageFolder, name), content);
            var outFolder = Path.Combine(folder, "out");
            var (exitCode, log) = await TrainOnTheCommandLineAsync("--images", imageFolder, "--out", outFolder, "--preset", "small-data", "--config", config.ToJsonString());
            Assert.True(exitCode == 0, log);

            var run = await WaitForAsync(client, runId, r => r.Status().IsTerminal());
            Assert.True(run.Status() == RunStatus.Completed, run.ToString());
            var fromApi = Rows(await client.GetStringAsync($"/api/runs/{runId}/metrics?format=csv"));
            var fromCli = Rows(await File.ReadAllTextAsync(Path.Combine(outFolder, "metrics.csv")));

            Assert.Equal(fromApi[0], fromCli[0]); // the header: one column set
            Assert.Equal(fromApi, fromCli);
            // Each logging interval, the final open one, and each evaluation, once (no repeated final rows).
            Assert.Equal(["10", "10", "20", "20", "25", "25"], fromApi.Skip(1).Select(row => row[..row.IndexOf(',', StringComparison.Ordinal)]));
            Assert.Contains(fromApi, row => row.StartsWith("25,", StringComparison.Ordinal) && row.Split(',')[7].Length > 0); // an SWD
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The CSV without its seconds column (wall clock), line by line.</summary>
    private static List<string> Rows(string csv) => csv.TrimEnd('\n').Split('\n')
        .Select(line => line.Split(','))
        .Select(cells => string.Join(',', cells.Take(1).Concat(cells.Skip(2))))
        .ToList();

    private static async Task<(int ExitCode, string Log)> TrainOnTheCommandLineAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerProcess.WorkerDll);
        start.ArgumentList.Add("train");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
