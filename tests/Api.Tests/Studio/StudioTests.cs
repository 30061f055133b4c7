using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using GanService.Api.Tests.Infrastructure;
using Microsoft.Playwright;

namespace GanService.Api.Tests.Studio;

/// The studio end to end in headless Chromium against the embedded service on loopback.
public sealed class StudioTests(StudioBrowser studio) : IClassFixture<StudioBrowser>
{
    private static readonly AxeRunOptions SeriousOnly = new() { ResultTypes = [ResultType.Violations] };

    private static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var results = await page.RunAxe(SeriousOnly);
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(serious.Count == 0, $"{where}: {string.Join("\n", serious)}");
    }

    /// Script errors and console errors of the page: none are expected.
    private List<string> Errors { get; } = [];

    private async Task<(IPage Page, List<string> Requests, string ApiKey)> SignedInAsync(string locale = "en-US")
    {
        var (_, _, apiKey) = await studio.CreateUserAsync($"illustrator-{Guid.NewGuid():N}"[..20]);
        var page = await studio.NewPageAsync(locale);
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        page.PageError += (_, error) => Errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") Errors.Add(message.Text); };
        await page.GotoAsync(studio.BaseUrl + "/");
        await page.GetByLabel("API key").FillAsync(apiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Datasets", Exact = true })).ToBeVisibleAsync();
        return (page, requests, apiKey);
    }

    [Fact]
    public async Task Sign_in_upload_a_zip_see_it_cleaned_train_a_tiny_run_watch_it_and_generate()
    {
        var (page, requests, apiKey) = await SignedInAsync();
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "gan_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.cookie.length + localStorage.length + sessionStorage.length"));
        await AssertAccessibleAsync(page, "datasets");

        // Upload a zip of four phone photos through the file input.
        var zip = Path.Combine(studio.DataDirectory, "photos.zip");
        await File.WriteAllBytesAsync(zip, Fixtures.PhonePhotosZip());
        await page.GetByLabel("Add images").SetInputFilesAsync(zip);
        await Assertions.Expect(page.GetByText(new Regex("has 4 images"))).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Open it" }).ClickAsync();

        // The cleaned images beside the originals, decoded by the browser.
        var cleaned = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Cleaned .*000_U1F400") });
        await Assertions.Expect(cleaned).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img.cleaned')].every(i => i.complete && i.naturalWidth === 64)");
        await AssertAccessibleAsync(page, "dataset");
        // Leave one out with one click.
        await page.GetByRole(AriaRole.Button, new() { Name = "Leave out", Exact = true }).First.ClickAsync();
        await Assertions.Expect(page.GetByText("4 images, 1 left out")).ToBeVisibleAsync();
        Assert.True(Errors.Count == 0, string.Join("\n", Errors));

        // Train: 16 px, a few iterations.
        await page.GetByRole(AriaRole.Link, new() { Name = "Train on this dataset" }).ClickAsync();
        await page.GetByLabel("Resolution", new() { Exact = true }).SelectOptionAsync("16");
        await page.GetByText("Advanced").ClickAsync();
        await page.GetByLabel("Iterations", new() { Exact = true }).FillAsync("40");
        await AssertAccessibleAsync(page, "train");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start training" }).ClickAsync();

        // The live view: a progress bar, then the finished run's sample grid and generation.
        await Assertions.Expect(page.GetByRole(AriaRole.Progressbar)).ToBeVisibleAsync();
        try { await Assertions.Expect(page.GetByText("Completed", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = 60_000 }); }
        catch (PlaywrightException) { Assert.Fail(string.Join("\n", Errors) + await page.InnerTextAsync("main")); }
        await Assertions.Expect(page.GetByRole(AriaRole.Progressbar)).ToHaveAttributeAsync("aria-valuetext", "40 of 40 iterations");
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Sample grid at iteration 40" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "run");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate", Exact = true }).ClickAsync();
        var generated = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Generated images, seed 1") });
        await Assertions.Expect(generated).ToBeVisibleAsync();
        Assert.True(await generated.EvaluateAsync<bool>("i => i.complete && i.naturalWidth > 0"));
        await page.GetByRole(AriaRole.Button, new() { Name = "More like this", Exact = true }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Variations of 1" })).ToBeVisibleAsync();

        // From your own drawing: the closest image the run can make.
        var drawing = Path.Combine(studio.DataDirectory, "mine.jpg");
        await File.WriteAllBytesAsync(drawing, Fixtures.Read(Fixtures.PhonePhotos[2]));
        await page.GetByLabel("Your drawing 1").SetInputFilesAsync(drawing);
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "The run's closest image to your drawing 1" })).ToBeVisibleAsync();
        Assert.True(Errors.Count == 0, string.Join("\n", Errors));

        // Nothing went to another host, and the key was never in a URL.
        Assert.All(requests, url => Assert.True(url.StartsWith(studio.BaseUrl, StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
        Assert.DoesNotContain(requests, url => url.Contains(apiKey, StringComparison.Ordinal));

        // Sign out forgets everything: the next load asks for the key again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "gan_session");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_first_page_is_small_and_accessible_and_speaks_Japanese_to_a_Japanese_browser()
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
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key is unknown or has been revoked.");
    }
}
