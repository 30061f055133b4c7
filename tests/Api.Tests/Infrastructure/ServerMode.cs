using System.Diagnostics;
using Npgsql;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// Server mode: the API (in memory, Worker:InProcess=false) and separate src/Worker processes, on the PostgreSQL and
/// the S3-compatible server (s3rver) that scripts/test.sh starts. Each factory has its own database and bucket.
/// </summary>
public sealed class ServerModeApiFactory : GanApiFactory
{
    private readonly string _database = $"ganservice_server_{Guid.NewGuid():N}";
    private readonly string _bucket = $"ganservice-{Guid.NewGuid():N}"[..40];

    /// <summary>Short leases, so a killed worker's run is free again in seconds.</summary>
    public const int LeaseSeconds = 6;

    private static string Required(string variable, string what) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set. Run ./scripts/test.sh, which starts {what}.");

    private static string PostgresServer => Required("GANSERVICE_TEST_POSTGRES", "a throwaway PostgreSQL");

    private static Dictionary<string, string> S3 =>
        Required("GANSERVICE_TEST_S3", "s3rver").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2)).ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The configuration both the API and the workers get (as environment variables for the workers).</summary>
    public IReadOnlyDictionary<string, string> SharedSettings => new Dictionary<string, string>
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = _database }.ConnectionString,
        ["Storage:Provider"] = "S3",
        ["Storage:S3:ServiceUrl"] = S3["ServiceUrl"],
        ["Storage:S3:AccessKey"] = S3["AccessKey"],
        ["Storage:S3:SecretKey"] = S3["SecretKey"],
        ["Storage:S3:Bucket"] = _bucket,
        ["Worker:InProcess"] = "false",
        ["Scheduling:LeaseSeconds"] = LeaseSeconds.ToString(),
    };

    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => SharedSettings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);

    public override async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresServer);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
        await create.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresServer);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Starts `GanService.Worker` (no arguments: the queue worker) with the shared configuration.</summary>
    public WorkerProcess StartWorker(string name) => new(name, SharedSettings, DataDirectory);
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

    /// <summary>The worker built next to this test assembly's configuration (scripts/test.sh builds the whole solution).</summary>
    private static string WorkerDll
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
