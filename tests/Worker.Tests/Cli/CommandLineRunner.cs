using System.Text.Json;
using GanService.Worker.Cli;

namespace GanService.Worker.Tests.Cli;

/// <summary>Runs a Worker command in-process, as <c>dotnet run --project src/Worker -- ARGS</c> would.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error)
{
    /// <summary>The last line of standard output: every command ends with one JSON object.</summary>
    public JsonElement Summary
    {
        get
        {
            var last = Output.TrimEnd().Split('\n')[^1];
            using var json = JsonDocument.Parse(last);
            return json.RootElement.Clone();
        }
    }
}

internal static class CommandLineRunner
{
    public static CommandResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = CommandLine.Run(args, output, error);
        return new CommandResult(exitCode, output.ToString(), error.ToString());
    }

    public static string FixtureImages => Path.Combine(AppContext.BaseDirectory, "Fixtures", "symbola176");
}

/// <summary>A temp folder removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ganservice-cli-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
