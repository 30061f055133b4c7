using System.Diagnostics;
using GanService.Domain;
using Microsoft.Extensions.Options;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// Configuration that fails fast: the API and the worker, started as real processes with one bad value, stop at once
/// with exit code 78 and one line that names the key; in memory, the host's start throws naming it.
/// </summary>
public sealed class StartupSettingsTests
{
    [Theory]
    [InlineData("Scheduling:LeaseSeconds", "abc", "Scheduling:LeaseSeconds")]
    [InlineData("Scheduling:LeaseSeconds", "-1", "Scheduling:LeaseSeconds")]
    [InlineData("Database:Provider", "Mongo", "Database:Provider")]
    [InlineData("Database:Provider", "Postgres", "ConnectionStrings:Postgres")]
    [InlineData("Uploads:MaxRequestMb", "0", "Uploads:MaxRequestMb")]
    [InlineData("RateLimits:PermitsPerSecond", "NaN", "RateLimits:PermitsPerSecond")]
    [InlineData("Cleanup:IntervalMinutes", "0", "Cleanup:IntervalMinutes")]
    [InlineData("Storage:Provider", "S3", "Storage:S3:ServiceUrl")]
    public void The_api_stops_with_one_line_naming_the_key(string key, string value, string named) =>
        AssertStopsNaming(ApiProcess.ApiDll, key, value, named);

    [Theory]
    [InlineData("Scheduling:LeaseSeconds", "-1", "Scheduling:LeaseSeconds")]
    [InlineData("Scheduling:ProgressSeconds", "abc", "Scheduling:ProgressSeconds")]
    [InlineData("Worker:WorkerCount", "0", "Worker:WorkerCount")]
    [InlineData("Database:Provider", "Mongo", "Database:Provider")]
    [InlineData("Retention:KeepEvery", "-2", "Retention:KeepEvery")]
    public void The_worker_stops_with_one_line_naming_the_key(string key, string value, string named) =>
        AssertStopsNaming(WorkerProcess.WorkerDll, key, value, named);

    [Fact]
    public void The_in_memory_host_throws_naming_the_key()
    {
        using var factory = new BadSettingFactory("Scheduling:MaxRunMinutes", "-5");
        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.IsType<OptionsValidationException>(Unwrap(failure));
        Assert.Contains("Scheduling:MaxRunMinutes is -5", SettingsException.Describe(failure));
    }

    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerException: { } inner } ? Unwrap(inner) : exception;

    private static void AssertStopsNaming(string dll, string key, string value, string named)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("ganservice-settings-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(dll)!,
            };
            start.ArgumentList.Add(dll);
            start.Environment["DataDirectory"] = dataDirectory;
            start.Environment["DOTNET_ENVIRONMENT"] = "Development";
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{Path.GetFileName(dll)} with {key}={value} was still running after 60 s.");
            }
            var lines = (stdout.Result + stderr.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var said = string.Join("\n", lines);
            Assert.True(process.ExitCode == 78, $"exit code {process.ExitCode}:\n{said}");
            Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}:\n{said}");
            Assert.StartsWith("Configuration error: ", lines[0]);
            Assert.Contains(named, lines[0]);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private sealed class BadSettingFactory(string key, string value) : GanApiFactory
    {
        protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { [key] = value };
    }
}
