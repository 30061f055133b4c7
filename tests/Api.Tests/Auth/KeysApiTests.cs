using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Auth;

/// Several named, scoped keys per user: created, listed, rotated and revoked, and their scopes enforced.
public sealed class KeysApiTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    private static async Task<(Guid Id, string Key)> CreateKeyAsync(HttpClient client, string name, params string[] scopes)
    {
        var response = await client.PostAsJsonAsync("/api/me/keys", new { name, scopes });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(scopes, created.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        return (created.GetProperty("id").GetGuid(), created.GetProperty("apiKey").GetString()!);
    }

    [Fact]
    public async Task A_read_key_looks_and_makes_images_but_cannot_change_anything()
    {
        var (_, owner, _) = await factory.CreateUserAsync("scoped");
        var (_, readKey) = await CreateKeyAsync(owner, "viewer", "read");
        using var reader = factory.CreateClient(readKey);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/me")).StatusCode);
        // Making images stores nothing: read may (here a 404, past the scope check).
        Assert.Equal(HttpStatusCode.NotFound, (await reader.PostAsJsonAsync($"/api/runs/{Guid.NewGuid()}/generate", new { count = 1 })).StatusCode);
        var refused = await reader.PostAsync("/api/datasets", Fixtures.Upload("nope", (Fixtures.PhonePhotos[0], Fixtures.Read(Fixtures.PhonePhotos[0]))));
        var problem = await refused.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("'train' scope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("[]", (await owner.GetStringAsync("/api/datasets")).Trim());
    }

    [Fact]
    public async Task Keys_are_listed_without_the_secret_and_no_key_gives_a_scope_it_lacks()
    {
        var (_, owner, ownerKey) = await factory.CreateUserAsync("lister");
        var (laptopId, laptopKey) = await CreateKeyAsync(owner, "laptop", "read", "train");
        using (var laptop = factory.CreateClient(laptopKey)) Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/api/me")).StatusCode);

        var body = await owner.GetStringAsync("/api/me/keys");
        Assert.DoesNotContain(laptopKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain(ownerKey, body, StringComparison.Ordinal);
        var keys = JsonDocument.Parse(body).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        var laptopRow = keys.Single(k => k.GetProperty("id").GetGuid() == laptopId);
        Assert.Equal("laptop", laptopRow.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, laptopRow.GetProperty("lastUsedAt").ValueKind);
        Assert.False(laptopRow.GetProperty("current").GetBoolean());
        Assert.True(keys.Single(k => k.GetProperty("id").GetGuid() != laptopId).GetProperty("current").GetBoolean());

        // Not an admin, so no admin scope; and an unknown scope is named.
        await HttpAssertions.AssertValidationProblemAsync(await owner.PostAsJsonAsync("/api/me/keys", new { name = "root", scopes = new[] { "admin" } }), "scopes");
        await HttpAssertions.AssertValidationProblemAsync(await owner.PostAsJsonAsync("/api/me/keys", new { name = "odd", scopes = new[] { "write" } }), "scopes");
        await HttpAssertions.AssertValidationProblemAsync(await owner.PostAsJsonAsync("/api/me/keys", new { name = "", scopes = new[] { "read" } }), "name");
    }

    [Fact]
    public async Task A_rotated_or_revoked_key_is_refused_on_its_very_next_request()
    {
        var (_, owner, _) = await factory.CreateUserAsync("rotator");
        var (id, key) = await CreateKeyAsync(owner, "ci", "read");
        using var old = factory.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/me")).StatusCode);

        var rotated = await owner.PostAsync($"/api/me/keys/{id}/rotate", null);
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        var replacement = await rotated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["read"], replacement.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/me")).StatusCode);
        using var fresh = factory.CreateClient(replacement.GetProperty("apiKey").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/me")).StatusCode);

        // A key may revoke itself, whatever its scopes.
        Assert.Equal(HttpStatusCode.NoContent, (await fresh.DeleteAsync($"/api/me/keys/{replacement.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.GetAsync("/api/me")).StatusCode);
        // Another user's key is as missing as one that never was.
        var (_, stranger, _) = await factory.CreateUserAsync("key-stranger");
        await (await stranger.DeleteAsync($"/api/me/keys/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_admins_key_without_the_admin_scope_cannot_reach_the_admin_routes()
    {
        using var admin = factory.CreateAdminClient();
        var (_, everyday) = await CreateKeyAsync(admin, "everyday", "read", "train");
        using var client = factory.CreateClient(everyday);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/users")).StatusCode);
        var (_, adminKey) = await CreateKeyAsync(admin, "ops", "read", "train", "admin");
        using var ops = factory.CreateClient(adminKey);
        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task A_json_body_over_the_limit_gets_413_and_nothing_is_stored()
    {
        var (_, client, _) = await factory.CreateUserAsync("big-json");
        var huge = "{\"datasetId\":\"" + Guid.NewGuid() + "\",\"name\":\"" + new string('x', 2 << 20) + "\"}";
        var response = await client.PostAsync("/api/runs", new StringContent(huge, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("[]", (await client.GetStringAsync("/api/runs")).Trim());
    }
}

/// A tight rate limit, to reach the 429 path in a few requests.
public sealed class RateLimitedApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:Burst"] = "5",
        ["RateLimits:PermitsPerSecond"] = "0.5",
    };
}

public sealed class RateLimitTests(RateLimitedApiFactory factory) : IClassFixture<RateLimitedApiFactory>
{
    [Fact]
    public async Task A_key_past_its_limit_gets_429_with_Retry_After_and_other_keys_are_not_held_back()
    {
        var (_, greedy, _) = await factory.CreateUserAsync("greedy");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await greedy.GetAsync("/api/runs");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited ??= response;
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(limited);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests);

        var (_, patient, _) = await factory.CreateUserAsync("patient");
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("/api/runs")).StatusCode);
    }
}
