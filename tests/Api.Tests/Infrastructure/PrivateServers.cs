using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// An s3rver of one test's own, which it may stop and start again on the same port and data folder (the shared one
/// from scripts/services.sh serves other tests meanwhile). Started from GANSERVICE_TEST_S3RVER_COMMAND.
/// </summary>
public sealed class PrivateS3rver : IDisposable
{
    private readonly string[] _command;
    private readonly string _folder = Directory.CreateTempSubdirectory("ganservice-private-s3-").FullName;
    private Process? _process;

    public PrivateS3rver()
    {
        var command = Environment.GetEnvironmentVariable("GANSERVICE_TEST_S3RVER_COMMAND");
        if (string.IsNullOrWhiteSpace(command))
            throw new InvalidOperationException("GANSERVICE_TEST_S3RVER_COMMAND is not set: run the tests through scripts/services.sh (scripts/test.sh does).");
        _command = command.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Port = FreePort();
        Directory.CreateDirectory(Path.Combine(_folder, "data"));
        Start();
    }

    public int Port { get; }

    /// <summary>For <see cref="TestS3Bucket"/> (GANSERVICE_TEST_S3's format).</summary>
    public string Server => $"ServiceUrl=http://127.0.0.1:{Port};AccessKey=S3RVER;SecretKey=S3RVER";

    public void Start()
    {
        var start = new ProcessStartInfo(_command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in _command.Skip(1)) start.ArgumentList.Add(argument);
        foreach (var argument in new[] { "--directory", Path.Combine(_folder, "data"), "--address", "127.0.0.1", "--port", Port.ToString(), "--silent" })
            start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Answers(Port))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"the private s3rver did not start on port {Port}");
            Thread.Sleep(100);
        }
    }

    /// <summary>Kills it (as a crashed or unplugged server): connections are refused until <see cref="Start"/>.</summary>
    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// A PostgreSQL cluster of one test's own, which it may restart (GANSERVICE_TEST_PG_BIN; as root through runuser,
/// since initdb refuses root), with the settings of scripts/services.sh.
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private readonly string _bin;
    private readonly string _folder = Directory.CreateTempSubdirectory("ganservice-private-pg-").FullName;
    private readonly bool _asRoot = Environment.UserName == "root";

    public PrivatePostgres()
    {
        _bin = Environment.GetEnvironmentVariable("GANSERVICE_TEST_PG_BIN") is { Length: > 0 } bin ? bin
            : throw new InvalidOperationException("GANSERVICE_TEST_PG_BIN is not set: run the tests through scripts/services.sh (scripts/test.sh does).");
        Port = PrivateS3rver.FreePort();
        if (_asRoot) Run("chown", "postgres", _folder);
        Pg("initdb", "-D", Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale");
        Start();
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Pooling=true";

    private string Data => Path.Combine(_folder, "data");

    public void Start() => Pg("pg_ctl", "-D", Data, "-l", Path.Combine(_folder, "postgres.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
        "start");

    /// <summary>A fast shutdown (open sessions are ended, 57P01), then a start.</summary>
    public void Restart() => Pg("pg_ctl", "-D", Data, "-l", Path.Combine(_folder, "postgres.log"), "-w", "-t", "60", "-m", "fast", "restart",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100");

    private void Pg(string tool, params string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        if (_asRoot) Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        else Run(path, arguments);
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}{output.Result}");
    }

    public void Dispose()
    {
        try
        {
            Pg("pg_ctl", "-D", Data, "-m", "immediate", "stop");
        }
        catch (InvalidOperationException)
        {
            // not running
        }
        Directory.Delete(_folder, recursive: true);
    }
}
