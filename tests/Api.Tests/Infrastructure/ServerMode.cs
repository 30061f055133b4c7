using System.Diagnostics;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// Server mode: the API (in memory, Worker:InProcess=false) and separate src/Worker processes, on the PostgreSQL and
/// the S3-compatible server (s3rver) that scripts/test.sh starts. Each factory has its own database and bucket.
/// </summary>
public class ServerModeApiFactory : PostgresApiFactory
{
    public ServerModeApiFactory() : this(null, null) { }

    /// <summary>On private servers (the outage tests stop and restart theirs); null for the shared ones.</summary>
    protected ServerModeApiFactory(string? postgresServer, string? s3Server) : base(postgresServer, s3Server) { }

    /// <summary>Short leases, so a killed worker's run is free again in seconds.</summary>
    public const int LeaseSeconds = 6;

    /// <summary>The configuration both the API and the workers get (as environment variables for the workers).</summary>
    public IReadOnlyDictionary<string, string> SharedSettings => ServerSettings
        .Append(new("Worker:InProcess", "false"))
        .Append(new("Scheduling:LeaseSeconds", LeaseSeconds.ToString()))
        // Progress five times a second: on a fast machine a tiny run does 100 iterations (one checkpoint interval)
        // in under a second, and the kill test must see it well past a checkpoint before it completes (CI, 2026-12-02).
        .Append(new("Scheduling:ProgressSeconds", "0.2"))
        .Concat(ExtraSettings.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)))
        .ToDictionary(kv => kv.Key, kv => kv.Value!);

    /// <summary>More configuration for the API and the workers of a derived factory.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>();

    protected override IReadOnlyDictionary<string, string?> Settings => SharedSettings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);

    /// <summary>Starts `GanService.Worker` (no arguments: the queue worker) with the shared configuration.</summary>
    public WorkerProcess StartWorker(string name) => new(name, SharedSettings, DataDirectory);

    /// <summary>A worker with some settings of its own, e.g. its storage through a proxy.</summary>
    public WorkerProcess StartWorker(string name, IReadOnlyDictionary<string, string> overrides) =>
        new(name, SharedSettings.Where(kv => !overrides.ContainsKey(kv.Key)).Concat(overrides).ToDictionary(kv => kv.Key, kv => kv.Value), DataDirectory);
}

/// <summary>A src/Worker process; its output is kept for failure messages.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    public WorkerProcess(string name, IReadOnlyDictionary<string, string> settings, string dataDirectory)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerDll);
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        start.Environment["DataDirectory"] = Path.Combine(dataDirectory, name);
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>kill -9: no shutdown hook runs, the lease is left to lapse.</summary>
    public void KillHard()
    {
        Process.Start("kill", ["-9", _process.Id.ToString()])!.WaitForExit();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as `docker stop` and systemd send: the host shuts down gracefully. True when it exited in time.</summary>
    public bool Terminate(TimeSpan timeout)
    {
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        return _process.WaitForExit(timeout);
    }

    /// <summary>The worker built next to this test assembly's configuration (scripts/test.sh builds the whole solution).</summary>
    public static string WorkerDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory); // tests/Api.Tests/bin/<Configuration>/net10.0/
            var framework = testBin.Name;
            var configuration = testBin.Parent!.Name;
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(root, "src", "Worker", "bin", configuration, framework, "GanService.Worker.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build src/Worker first ({dll} is missing).");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
