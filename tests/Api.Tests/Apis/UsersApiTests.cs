using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

public abstract class UsersApiTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    [Fact]
    public async Task Api_routes_need_a_known_key()
    {
        using var anonymous = factory.CreateClient();
        var missing = await (await anonymous.GetAsync("/api/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", missing.GetProperty("detail").GetString());

        using var wrong = factory.CreateClient("gan_not-a-key");
        await (await wrong.GetAsync("/api/datasets")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Admin_creates_a_user_whose_key_is_shown_once_and_works()
    {
        using var admin = factory.CreateAdminClient();
        var created = await (await admin.PostAsJsonAsync("/api/users", new { name = "ada", maxConcurrentRuns = 2, storageQuotaMb = 10 }))
            .ReadJsonAsync<JsonElement>(HttpStatusCode.Created);
        var key = created.GetProperty("apiKey").GetString()!;
        Assert.StartsWith("gan_", key);

        using var ada = factory.CreateClient(key);
        var me = await (await ada.GetAsync("/api/me")).ReadJsonAsync<JsonElement>();
        Assert.Equal("ada", me.GetProperty("name").GetString());
        Assert.False(me.GetProperty("isAdmin").GetBoolean());
        Assert.Equal(10L << 20, me.GetProperty("quotas").GetProperty("storageQuotaBytes").GetInt64());
        Assert.Equal(2, me.GetProperty("quotas").GetProperty("maxConcurrentRuns").GetInt32());
        Assert.Equal(0, me.GetProperty("usage").GetProperty("storageBytes").GetInt64());

        // The listing never shows a key again.
        var listing = await (await admin.GetAsync("/api/users")).Content.ReadAsStringAsync();
        Assert.Contains("ada", listing);
        Assert.DoesNotContain(key, listing);
        Assert.DoesNotContain(key[4..], listing);
    }

    [Fact]
    public async Task Users_routes_are_for_admins_only()
    {
        var (_, user, _) = await factory.CreateUserAsync("mallory");
        await (await user.GetAsync("/api/users")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await user.PostAsJsonAsync("/api/users", new { name = "evil" })).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Deleting_a_user_revokes_its_keys()
    {
        var (id, user, _) = await factory.CreateUserAsync("leaver");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/me")).StatusCode);

        using var admin = factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{id}")).StatusCode);
        await (await user.GetAsync("/api/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await admin.DeleteAsync($"/api/users/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":\"x\",\"maxConcurrentRuns\":-1}", "maxConcurrentRuns")]
    [InlineData("{\"name\":\"x\",\"storageQuotaMb\":-5}", "storageQuotaMb")]
    public async Task Invalid_user_fields_are_named_in_a_400(string body, string field)
    {
        using var admin = factory.CreateAdminClient();
        var response = await admin.PostAsync("/api/users", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }
}

public sealed class SqliteUsersApiTests(SqliteApiFactory factory) : UsersApiTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresUsersApiTests(PostgresApiFactory factory) : UsersApiTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
