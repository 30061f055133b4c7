using GanService.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GanService.Api.Tests.Studio;

/// <summary>
/// The embedded service on a real loopback port (Kestrel, not the in-memory test server, so a browser can reach it)
/// and Debian's Chromium, driven by Playwright. scripts/test.sh installs chromium; Playwright's own browser download
/// cannot be reached here, hence <c>ExecutablePath</c>.
/// </summary>
public sealed class StudioBrowser : GanApiFactory
{
    public StudioBrowser() => UseKestrel();

    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }

    public string BaseUrl { get; private set; } = "";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var chromium = Environment.GetEnvironmentVariable("GANSERVICE_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(chromium))
            throw new InvalidOperationException($"No Chromium at {chromium}. Run ./scripts/test.sh (it installs Debian's chromium), or set GANSERVICE_TEST_CHROMIUM.");
        _playwright = await Playwright.CreateAsync();
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
    }

    /// Screenshots of the browser tests (GANSERVICE_TEST_ARTIFACTS, which scripts/test.sh sets, else beside the tests).
    public static string Artifacts { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("GANSERVICE_TEST_ARTIFACTS") is { Length: > 0 } configured
            ? Path.Combine(configured, "studio") : Path.Combine(AppContext.BaseDirectory, "artifacts", "studio")).FullName;

    /// The studio's files in the source tree (src/Api/wwwroot), for tests that read its language files.
    public static string WebRoot { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Api", "wwwroot"));

    /// A fresh browser profile (no cookies, no storage) in the given language, on a laptop screen unless told.
    public async Task<IPage> NewPageAsync(string locale = "en-US", (int Width, int Height)? viewport = null)
    {
        var (width, height) = viewport ?? (1280, 800);
        var context = await Browser.NewContextAsync(new() { Locale = locale, ViewportSize = new() { Width = width, Height = height } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
