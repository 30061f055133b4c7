using System.Net;
using System.Net.Http.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

/// Another user's ids give 404 on every route, never 403 and never data, and change nothing.
public abstract class CrossUserTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    [Fact]
    public async Task Every_dataset_route_with_another_users_ids_is_404()
    {
        var (_, owner, _) = await factory.CreateUserAsync("owner");
        var (_, intruder, _) = await factory.CreateUserAsync("intruder");
        var dataset = await (await owner.PostAsync("/api/datasets", Fixtures.Upload("private", ("photos.zip", Fixtures.PhonePhotosZip()))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);
        var image = (await (await owner.GetAsync($"/api/datasets/{dataset.Id}/images")).ReadJsonAsync<List<ImageInfo>>())[0];

        var attempts = new List<Func<HttpClient, Task<HttpResponseMessage>>>
        {
            client => client.GetAsync($"/api/datasets/{dataset.Id}"),
            client => client.GetAsync($"/api/datasets/{dataset.Id}/images"),
            client => client.GetAsync($"/api/datasets/{dataset.Id}/images/{image.Id}"),
            client => client.GetAsync($"/api/datasets/{dataset.Id}/images/{image.Id}/prepared"),
            client => client.GetAsync($"/api/datasets/{dataset.Id}/preview"),
            client => client.PatchAsJsonAsync($"/api/datasets/{dataset.Id}/images/{image.Id}", new { label = "stolen", excluded = true }),
            client => client.DeleteAsync($"/api/datasets/{dataset.Id}"),
            client => client.PostAsJsonAsync("/api/runs", new { datasetId = dataset.Id }),
            client => client.PostAsJsonAsync("/api/sweeps", new { datasetId = dataset.Id, grid = new { lrD = new[] { 0.0001, 0.0002 } } }),
        };
        foreach (var attempt in attempts)
        {
            var response = await attempt(intruder);
            var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.DoesNotContain("private", problem.ToString());
        }

        Assert.DoesNotContain(await (await intruder.GetAsync("/api/datasets")).ReadJsonAsync<List<DatasetInfo>>(), d => d.Id == dataset.Id);

        // Nothing changed for the owner.
        var images = await (await owner.GetAsync($"/api/datasets/{dataset.Id}/images")).ReadJsonAsync<List<ImageInfo>>();
        Assert.Equal(4, images.Count);
        Assert.All(images, i => Assert.Equal((null, false), (i.Label, i.Excluded)));
    }

    [Fact]
    public async Task An_image_id_under_the_wrong_dataset_is_404()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var first = await (await client.PostAsync("/api/datasets", Fixtures.Upload("one", ("a.png", HostileFiles.GoodPng(shade: 1)))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);
        var second = await (await client.PostAsync("/api/datasets", Fixtures.Upload("two", ("b.png", HostileFiles.GoodPng(shade: 2)))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);
        var image = (await (await client.GetAsync($"/api/datasets/{first.Id}/images")).ReadJsonAsync<List<ImageInfo>>())[0];

        await (await client.GetAsync($"/api/datasets/{second.Id}/images/{image.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/api/datasets/{second.Id}/images/{image.Id}/prepared")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class SqliteCrossUserTests(SqliteApiFactory factory) : CrossUserTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresCrossUserTests(PostgresApiFactory factory) : CrossUserTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
