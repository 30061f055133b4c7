using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GanService.Api.Tests.Apis;

/// The studio's session: an API key exchanged for an HttpOnly cookie, CSRF on writes, revocation, sign-out, headers.
public sealed class SessionApiTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    private HttpClient Browser() => factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });

    private static async Task<string> SignInAsync(HttpClient browser, string apiKey)
    {
        var response = await browser.PostAsJsonAsync("/api/session", new { apiKey });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("gan_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(apiKey, cookie, StringComparison.Ordinal);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("csrfToken").GetString()!;
    }

    [Fact]
    public async Task A_signed_in_browser_reads_with_the_cookie_and_writes_only_with_the_csrf_token()
    {
        var (_, _, apiKey) = await factory.CreateUserAsync("studio-user");
        using var browser = Browser();
        var csrf = await SignInAsync(browser, apiKey);

        var me = JsonDocument.Parse(await browser.GetStringAsync("/api/me")).RootElement;
        Assert.Equal("studio-user", me.GetProperty("name").GetString());
        var session = JsonDocument.Parse(await browser.GetStringAsync("/api/session")).RootElement;
        Assert.Equal(csrf, session.GetProperty("csrfToken").GetString());

        // A write without the token (what a cross-site form could send) is refused and stores nothing.
        var forged = await browser.PostAsync("/api/datasets", Fixtures.Upload("forged", (Fixtures.PhonePhotos[0], Fixtures.Read(Fixtures.PhonePhotos[0]))));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("X-CSRF-Token", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("[]", (await browser.GetStringAsync("/api/datasets")).Trim());

        using var write = new HttpRequestMessage(HttpMethod.Post, "/api/datasets")
        {
            Content = Fixtures.Upload("real", (Fixtures.PhonePhotos[0], Fixtures.Read(Fixtures.PhonePhotos[0]))),
        };
        write.Headers.Add("X-CSRF-Token", csrf);
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(write)).StatusCode);

        using var wrongToken = new HttpRequestMessage(HttpMethod.Delete, "/api/datasets/00000000-0000-0000-0000-000000000001");
        wrongToken.Headers.Add("X-CSRF-Token", csrf[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(wrongToken)).StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_gets_401_and_sign_out_forgets_the_session()
    {
        using var browser = Browser();
        var refused = await browser.PostAsJsonAsync("/api/session", new { apiKey = "gan_not-a-key" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsJsonAsync("/api/session", new { apiKey = "" })).StatusCode);

        var (_, _, apiKey) = await factory.CreateUserAsync("leaving");
        await SignInAsync(browser, apiKey);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);
        var signOut = await browser.DeleteAsync("/api/session");
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Contains("gan_session=;", Assert.Single(signOut.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task Revoking_the_key_ends_its_session_on_the_next_request()
    {
        var (userId, _, apiKey) = await factory.CreateUserAsync("revoked");
        using var browser = Browser();
        await SignInAsync(browser, apiKey);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);

        using var admin = factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{userId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task The_studio_is_served_at_the_root_with_a_strict_content_security_policy()
    {
        using var anonymous = factory.CreateClient();
        var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"/js/app.js\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);

        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));

        // Every text of the studio comes from the language files; both have the same keys, and Japanese also says
        // each diagnosis of the service in its own words (in English the studio shows the service's own text).
        var english = JsonDocument.Parse(await anonymous.GetStringAsync("/i18n/en.json")).RootElement;
        var japanese = JsonDocument.Parse(await anonymous.GetStringAsync("/i18n/ja.json")).RootElement;
        var japaneseKeys = japanese.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(english.EnumerateObject().Select(p => p.Name).Order(), japaneseKeys.Where(k => !k.StartsWith("diagnosis.", StringComparison.Ordinal)).Order());
        Assert.Equal("API key", english.GetProperty("signIn.apiKey").GetString());
        var codes = typeof(GanService.Domain.Gan.Diagnosis.DiagnosisCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToList();
        Assert.NotEmpty(codes);
        Assert.Equal(codes.SelectMany(c => new[] { $"diagnosis.{c}.message", $"diagnosis.{c}.suggestion" }).Order(),
            japaneseKeys.Where(k => k.StartsWith("diagnosis.", StringComparison.Ordinal)).Order());

        // The API's errors carry the security headers too.
        var unauthorized = await anonymous.GetAsync("/api/me");
        Assert.Equal("nosniff", Assert.Single(unauthorized.Headers.GetValues("X-Content-Type-Options")));
    }
}
