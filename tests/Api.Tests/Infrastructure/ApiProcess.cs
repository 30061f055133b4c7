using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// The API as a process of its own (src/Api's build, `dotnet GanService.Api.dll`), on a free port: what a kill -9 or a
/// second API process of server mode needs. Its output is kept for failure messages.
/// </summary>
public sealed class ApiProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    public ApiProcess(IReadOnlyDictionary<string, string?> settings)
    {
        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            // appsettings.json and wwwroot are found from the content root, the current folder.
            WorkingDirectory = Path.GetDirectoryName(ApiDll)!,
        };
        start.ArgumentList.Add(ApiDll);
        start.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString();
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__GanService"] = "Information";
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Log { get { lock (_log) return _log.ToString(); } }

    public HttpClient CreateClient(string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>Waits until /health/live answers; fails with the process's output when it exits or takes too long.</summary>
    public async Task WaitUntilLiveAsync(double seconds = 90)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) Assert.Fail($"The API exited with {_process.ExitCode} before it was live:\n{Log}");
            try
            {
                if ((await client.GetAsync("/health/live")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        Assert.Fail($"The API was not live after {seconds} s:\n{Log}");
    }

    /// <summary>Waits for the process to end by itself (a start-up that fails); false when it is still running.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>kill -9: no request finishes, no finally block and no shutdown hook runs.</summary>
    public void KillHard()
    {
        Process.Start("kill", ["-9", _process.Id.ToString()])!.WaitForExit();
        _process.WaitForExit();
    }

    public static string ApiDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory); // tests/Api.Tests/bin/<Configuration>/net10.0/
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(root, "src", "Api", "bin", testBin.Parent!.Name, testBin.Name, "GanService.Api.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build src/Api first ({dll} is missing).");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
