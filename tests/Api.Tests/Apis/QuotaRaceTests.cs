using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

/// The storage quota holds under concurrent uploads: parallel uploads by one user never store more than it.
public sealed class QuotaRaceTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task Parallel_uploads_by_one_user_never_store_more_than_the_quota()
    {
        // What one upload of the four photos stores, measured on another account.
        var (_, probe, _) = await factory.CreateUserAsync("probe");
        var size = (await (await probe.PostAsync("/api/datasets", Fixtures.Upload("probe", ("photos.zip", Fixtures.PhonePhotosZip()))))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storageBytes").GetInt64();
        const long quota = 1 << 20;
        var fits = (int)(quota / size);
        var (_, client, _) = await factory.CreateUserAsync("racer", storageQuotaMb: 1);

        var uploads = Enumerable.Range(0, fits + 6).Select(i => client.PostAsync("/api/datasets", Fixtures.Upload($"race {i}", ("photos.zip", Fixtures.PhonePhotosZip())))).ToList();
        var statuses = (await Task.WhenAll(uploads)).Select(r => r.StatusCode).ToList();

        Assert.Equal(fits, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.RequestEntityTooLarge, s));
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.InRange(me.GetProperty("usage").GetProperty("storageBytes").GetInt64(), fits * size, quota);
        Assert.Equal(fits, (await client.GetFromJsonAsync<JsonElement>("/api/datasets")).GetArrayLength());
    }
}
