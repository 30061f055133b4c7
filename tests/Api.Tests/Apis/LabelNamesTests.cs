using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// A conditional run takes the label names the user gave ("cat") wherever it takes a class index.
public sealed class LabelNamesTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task Generate_takes_a_label_name_as_its_class_index_and_lists_the_classes_for_an_unknown_one()
    {
        var (_, client, _) = await factory.CreateUserAsync("labeller");
        var datasetId = await UploadDatasetAsync(client);
        var images = (await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{datasetId}/images")).EnumerateArray().ToList();
        for (var i = 0; i < images.Count; i++)
            (await client.PatchAsJsonAsync($"/api/datasets/{datasetId}/images/{images[i].GetProperty("id").GetGuid()}", new { label = i % 2 == 0 ? "dog" : "cat" }))
                .EnsureSuccessStatusCode();
        var config = TinyConfig(iterations: 6, every: 6);
        config["conditional"] = true;
        var run = await WaitForAsync(client, (await StartRunAsync(client, datasetId, config)).Id(), r => r.Status().IsTerminal());
        Assert.True(run.Status() == RunStatus.Completed, run.ToString());
        // The trainer recorded the names in index order (ordinal), shown in the run's config for pickers.
        Assert.Equal(["cat", "dog"], run.GetProperty("config").GetProperty("classNames").EnumerateArray().Select(n => n.GetString()));

        var url = $"/api/runs/{run.Id()}/generate";
        async Task<byte[]> Png(object label) => await (await client.PostAsJsonAsync(url, new { count = 4, seed = 3, label })).Content.ReadAsByteArrayAsync();
        Assert.Equal(await Png(1), await Png("dog"));
        Assert.Equal(await Png(0), await Png("Cat")); // a name differing only in case
        Assert.NotEqual(await Png(0), await Png(1));

        var unknown = await client.PostAsJsonAsync(url, new { label = "cow" });
        var problem = await HttpAssertions.AssertValidationProblemAsync(unknown, "label");
        Assert.Contains("0 = cat, 1 = dog", problem.GetProperty("errors").GetProperty("label")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/runs/{run.Id()}/interpolate", new { seedFrom = 1, seedTo = 2, steps = 3, label = "cat" })).StatusCode);
    }
}
