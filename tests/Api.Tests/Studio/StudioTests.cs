using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using Microsoft.Playwright;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Studio;

/// The studio end to end in headless Chromium against the embedded service on loopback.
public sealed class StudioTests(StudioBrowser studio) : IClassFixture<StudioBrowser>
{
    /// Script errors and console errors of the pages: none are expected.
    private List<string> Errors { get; } = [];

    private static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var results = await page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(serious.Count == 0, $"{where}: {string.Join("\n", serious)}");
    }

    private static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(StudioBrowser.Artifacts, $"{name}.png"), FullPage = true });

    private async Task<IPage> OpenAsync(string apiKey, string locale = "en-US", List<string>? requests = null)
    {
        var page = await studio.NewPageAsync(locale);
        page.Request += (_, request) => requests?.Add(request.Url);
        page.PageError += (_, error) => Errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") Errors.Add(message.Text); };
        await page.GotoAsync(studio.BaseUrl + "/");
        await page.Locator("input[name=apiKey]").FillAsync(apiKey);
        await page.Locator("form.sign-in button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("nav a[href='#/datasets']")).ToBeVisibleAsync();
        return page;
    }

    private Task Run(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }).First.ClickAsync();

    [Fact]
    public async Task Sign_in_upload_see_it_cleaned_train_watch_generate_interpolate_fork_compare_and_sign_out()
    {
        var (_, _, apiKey) = await studio.CreateUserAsync("illustrator");
        var requests = new List<string>();
        var page = await OpenAsync(apiKey, requests: requests);
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "gan_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.cookie.length + sessionStorage.length"));
        await AssertAccessibleAsync(page, "datasets");

        // Upload a zip of four phone photos through the file input.
        var zip = Path.Combine(studio.DataDirectory, "photos.zip");
        await File.WriteAllBytesAsync(zip, Fixtures.PhonePhotosZip());
        await page.GetByLabel("Add images").SetInputFilesAsync(zip);
        await Assertions.Expect(page.GetByText(new Regex("has 4 images"))).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Open it" }).ClickAsync();

        // The cleaned images beside the originals, decoded by the browser; a live control changes them.
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Cleaned .*000_U1F400") })).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img.cleaned')].every(i => i.complete && i.naturalWidth === 64)");
        await page.GetByLabel("Preview size").SelectOptionAsync("32");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img.cleaned')].every(i => i.complete && i.naturalWidth === 32)");
        await AssertAccessibleAsync(page, "dataset");
        await ScreenshotAsync(page, "dataset");
        await Run(page, "Leave out");
        await Assertions.Expect(page.GetByText("4 images, 1 left out")).ToBeVisibleAsync();

        // Train: 16 px, a few iterations; the progress bar moves and sample grids appear.
        await page.GetByRole(AriaRole.Link, new() { Name = "Train on this dataset" }).First.ClickAsync();
        await page.GetByLabel("Resolution", new() { Exact = true }).SelectOptionAsync("16");
        await page.GetByText("Advanced").ClickAsync();
        await page.GetByLabel("Iterations", new() { Exact = true }).FillAsync("40");
        await AssertAccessibleAsync(page, "train");
        await Run(page, "Start training");
        var progress = page.GetByRole(AriaRole.Progressbar);
        await Assertions.Expect(progress).ToBeVisibleAsync();
        await progress.EvaluateAsync("p => { window.seen = [p.value]; new MutationObserver(() => window.seen.push(p.value)).observe(p, { attributes: true }); }");
        await ExpectCompletedAsync(page);
        await Assertions.Expect(progress).ToHaveAttributeAsync("aria-valuetext", "40 of 40 iterations");
        var seen = await page.EvaluateAsync<double[]>("() => window.seen");
        Assert.True(seen.Min() < 40 && seen.Max() == 40, string.Join(", ", seen));
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Sample grid at iteration 40" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "run");
        var firstRun = page.Url;

        // Generate, more like this, interpolate, and from your own drawing.
        await Run(page, "Generate");
        var generated = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Generated images, seed 1") });
        await Assertions.Expect(generated).ToBeVisibleAsync();
        Assert.True(await generated.EvaluateAsync<bool>("i => i.complete && i.naturalWidth > 0"));
        await Run(page, "More like this");
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Variations of 1" })).ToBeVisibleAsync();
        await Run(page, "Interpolate");
        var walk = page.GetByRole(AriaRole.Img, new() { Name = "Interpolation from seed 1 to seed 2" });
        await Assertions.Expect(walk).ToBeVisibleAsync();
        Assert.True(await walk.EvaluateAsync<bool>("i => i.complete && i.naturalWidth > 0"));
        var drawing = Path.Combine(studio.DataDirectory, "mine.jpg");
        await File.WriteAllBytesAsync(drawing, Fixtures.Read(Fixtures.PhonePhotos[2]));
        await page.GetByLabel("Your drawing 1").SetInputFilesAsync(drawing);
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "The run's closest image to your drawing 1" })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "run");

        // Fork from the grid under the cursor, with more iterations; it trains to the end.
        await page.GetByLabel("Iterations of the fork").FillAsync("60");
        await Run(page, "Fork from this grid");
        await page.WaitForURLAsync(url => url != firstRun);
        await ExpectCompletedAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Sample grid at iteration 60" })).ToBeVisibleAsync();

        // Compare the two runs side by side.
        await page.GetByRole(AriaRole.Link, new() { Name = "Runs", Exact = true }).ClickAsync();
        var compareBoxes = page.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^Compare ") });
        await Assertions.Expect(compareBoxes).ToHaveCountAsync(2); // the list has drawn both runs
        foreach (var box in await compareBoxes.AllAsync()) await box.CheckAsync();
        await AssertAccessibleAsync(page, "runs");
        await Run(page, "Compare selected");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Compare runs" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Sample grid of .* at iteration") })).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "iterations", Exact = true })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "compare");
        await ScreenshotAsync(page, "compare");

        // Nothing went to another host, the key was never in a URL, and no script failed.
        Assert.All(requests, url => Assert.True(url.StartsWith(studio.BaseUrl, StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
        Assert.DoesNotContain(requests, url => url.Contains(apiKey, StringComparison.Ordinal));
        Assert.True(Errors.Count == 0, string.Join("\n", Errors));

        // Sign out forgets everything: the next load asks for the key again.
        await Run(page, "Sign out");
        await Assertions.Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "gan_session");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
    }

    private async Task ExpectCompletedAsync(IPage page)
    {
        try
        {
            await Assertions.Expect(page.GetByText("Completed", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = 90_000 });
        }
        catch (PlaywrightException)
        {
            Assert.Fail($"The run did not complete: {await page.InnerTextAsync("main")}\n{string.Join("\n", Errors)}");
        }
    }

    /// A user with a dataset and a finished tiny run, made through the API.
    private async Task<(string ApiKey, Guid DatasetId, Guid RunId)> UserWithRunAsync(string name)
    {
        var (_, client, apiKey) = await studio.CreateUserAsync(name);
        var datasetId = await UploadDatasetAsync(client);
        var run = await WaitForAsync(client, (await StartRunAsync(client, datasetId, TinyConfig(iterations: 10, every: 10))).Id(), r => r.Status().IsTerminal());
        Assert.Equal(RunStatus.Completed, run.Status());
        return (apiKey, datasetId, run.Id());
    }

    [Fact]
    public async Task Another_users_key_sees_none_of_it_and_a_write_without_the_csrf_token_is_refused()
    {
        var (_, datasetId, runId) = await UserWithRunAsync("owner");
        var (_, _, strangerKey) = await studio.CreateUserAsync("stranger");
        var page = await OpenAsync(strangerKey);
        await Assertions.Expect(page.GetByText("No datasets yet")).ToBeVisibleAsync();
        await page.GotoAsync($"{studio.BaseUrl}/#/runs");
        await Assertions.Expect(page.GetByText("No runs yet.")).ToBeVisibleAsync();
        await page.GotoAsync($"{studio.BaseUrl}/#/runs/{runId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("No such run.");
        await page.GotoAsync($"{studio.BaseUrl}/#/datasets/{datasetId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("No such dataset.");

        // A forged write: the session cookie goes with it, the token does not.
        var (ownerKey, ownDataset, _) = await UserWithRunAsync("forged-owner");
        var owner = await OpenAsync(ownerKey);
        var status = await owner.EvaluateAsync<int>($"async () => (await fetch('/api/datasets/{ownDataset}', {{ method: 'DELETE' }})).status");
        Assert.Equal(401, status);
        using var client = studio.CreateClient(ownerKey);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync($"/api/datasets/{ownDataset}")).StatusCode);
    }

    [Fact]
    public async Task In_Japanese_every_page_is_Japanese_and_accessible()
    {
        var (apiKey, datasetId, runId) = await UserWithRunAsync("japanese");
        using var english = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(StudioBrowser.WebRoot, "i18n", "en.json")));
        using var japanese = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(StudioBrowser.WebRoot, "i18n", "ja.json")));
        // The English texts that the Japanese file translates (some, like "SWD", are the same in both).
        var translated = english.RootElement.EnumerateObject()
            .Where(p => p.Value.GetString() != japanese.RootElement.GetProperty(p.Name).GetString())
            .Select(p => Regex.Replace(p.Value.GetString()!, @"\{\w+\}", "\u0000").Split('\u0000').MaxBy(part => part.Length)!.Trim())
            .Where(text => text.Length >= 6).Distinct().ToList();

        var page = await OpenAsync(apiKey, "ja-JP");
        foreach (var (hash, name) in new[]
                 {
                     ("#/datasets", "datasets"), ($"#/datasets/{datasetId}", "dataset"), ($"#/train?dataset={datasetId}", "train"),
                     ("#/runs", "runs"), ($"#/runs/{runId}", "run"), ($"#/compare?ids={runId}", "compare"),
                 })
        {
            await page.GotoAsync($"{studio.BaseUrl}/{hash}");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await Assertions.Expect(page.Locator("main h1")).ToBeVisibleAsync();
            var text = await page.EvaluateAsync<string>(
                "() => { const b = document.body.cloneNode(true); b.querySelectorAll('pre').forEach(p => p.remove());" + // the config: data, not text
                " return b.textContent + ' ' + [...document.querySelectorAll('[aria-label],[alt],[placeholder],[title]')]" +
                ".map(e => [e.getAttribute('aria-label'), e.getAttribute('alt'), e.getAttribute('placeholder'), e.getAttribute('title')].join(' ')).join(' '); }");
            var left = translated.Where(english => text.Contains(english, StringComparison.Ordinal)).ToList();
            Assert.True(left.Count == 0, $"{name}: English left: {string.Join(" | ", left)}");
            await AssertAccessibleAsync(page, $"{name} (ja)");
            if (name == "run") await ScreenshotAsync(page, "run-ja");
        }
        Assert.True(Errors.Count == 0, string.Join("\n", Errors));
    }

    [Fact]
    public async Task A_sweeps_runs_are_compared_side_by_side_with_the_grid_values_that_differ()
    {
        var (_, client, apiKey) = await studio.CreateUserAsync("sweeper");
        var datasetId = await UploadDatasetAsync(client);
        var sweep = await client.PostAsJsonAsync("/api/sweeps", new { datasetId, name = "learning rates", config = TinyConfig(iterations: 10, every: 10), grid = new { lrD = new[] { 0.0001, 0.0004 } } });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, sweep.StatusCode);

        var page = await OpenAsync(apiKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Runs", Exact = true }).ClickAsync();
        await Run(page, "Compare the runs of learning rates");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Compare runs" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "lrD", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("table thead th")).ToHaveCountAsync(3); // the setting, and one column per run
        await AssertAccessibleAsync(page, "sweep compare");
    }

    [Fact]
    public async Task An_admin_manages_users_and_keys_and_opens_the_queue_dashboard()
    {
        var page = await OpenAsync(GanApiFactory.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users and keys" })).ToBeVisibleAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("newcomer");
        await Run(page, "Create user");
        var key = await page.Locator("code.secret").InnerTextAsync();
        Assert.StartsWith("gan_", key, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "newcomer", Exact = true })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "admin");
        using (var newcomer = studio.CreateClient(key))
            Assert.Equal("newcomer", (await newcomer.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("name").GetString());

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await Run(page, "Revoke keys of newcomer");
        // The row's "Active keys" cell.
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { NameRegex = new Regex("^newcomer") }).Locator("td").Nth(4)).ToHaveTextAsync("0");
        using (var revoked = studio.CreateClient(key))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await revoked.GetAsync("/api/me")).StatusCode);

        // The session cookie signs the admin into the Hangfire dashboard too.
        var dashboard = await page.GotoAsync($"{studio.BaseUrl}/hangfire");
        Assert.Equal(200, dashboard!.Status);
    }

    [Fact]
    public async Task The_first_page_is_small_accessible_fits_a_tablet_and_speaks_the_browsers_language()
    {
        var page = await studio.NewPageAsync("ja-JP");
        long bytes = 0;
        page.Response += (_, response) => bytes += response.Headers.TryGetValue("content-length", out var length) ? long.Parse(length) : 0;
        await page.GotoAsync(studio.BaseUrl + "/", new() { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "サインイン" })).ToBeVisibleAsync();
        Assert.Equal("ja", await page.EvaluateAsync<string>("() => document.documentElement.lang"));
        Assert.InRange(bytes, 1, 300 * 1024);
        await AssertAccessibleAsync(page, "sign-in (ja)");

        // Switched by hand, and remembered.
        await page.GetByLabel("言語").SelectOptionAsync("en");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "sign-in (en)");
        await page.GetByLabel("API key").FillAsync("gan_wrong");
        await Run(page, "Sign in");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key is unknown or has been revoked.");

        // A tablet: nothing wider than the screen.
        var (apiKey, datasetId, runId) = await UserWithRunAsync("tablet");
        var tablet = await studio.NewPageAsync(viewport: (768, 1024));
        await tablet.GotoAsync(studio.BaseUrl + "/");
        await tablet.GetByLabel("API key").FillAsync(apiKey);
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        foreach (var hash in new[] { "#/datasets", $"#/datasets/{datasetId}", $"#/runs/{runId}" })
        {
            await tablet.GotoAsync($"{studio.BaseUrl}/{hash}");
            await tablet.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await Assertions.Expect(tablet.Locator("main h1")).ToBeVisibleAsync();
            Assert.True(await tablet.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{hash} is wider than a tablet");
        }
        await ScreenshotAsync(tablet, "run-tablet");
    }
}
