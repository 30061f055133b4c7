using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// Dates from the upload, near-duplicates found and left out with one request, the dataset report and date-range runs.
public sealed class DatasetReportApiTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    /// <summary>The four phone photos dated April–July 2018 in the zip, then a second (flat) photo of the first drawing, undated.</summary>
    private static byte[] DatedZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, i) in Fixtures.PhonePhotos.Select((n, i) => (n, i)))
            {
                var entry = zip.CreateEntry(name);
                entry.LastWriteTime = new DateTimeOffset(2018, 4 + i, 10, 12, 0, 0, TimeSpan.Zero);
                using var stream = entry.Open();
                stream.Write(Fixtures.Read(name));
            }
            var again = zip.CreateEntry("000_U1F400-flat.jpg");
            again.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero); // no date stored
            using var flat = again.Open();
            flat.Write(Fixtures.Read("000_U1F400-flat.jpg"));
        }
        return buffer.ToArray();
    }

    [Fact]
    public async Task An_upload_reports_near_duplicates_keeps_dates_and_one_request_leaves_out_the_extras()
    {
        var (_, client, _) = await factory.CreateUserAsync("report-user");
        var response = await client.PostAsync("/api/datasets", Fixtures.Upload("dated", ("photos.zip", DatedZip())));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        var group = Assert.Single(created.GetProperty("nearDuplicates").EnumerateArray());
        Assert.Equal(["photos.zip/000_U1F400.jpg", "photos.zip/000_U1F400-flat.jpg"], group.EnumerateArray().Select(n => n.GetString()));

        var images = await client.GetFromJsonAsync<JsonElement[]>($"/api/datasets/{id}/images");
        Assert.Equal(new DateTime(2018, 4, 10, 12, 0, 0), images![0].GetProperty("takenAt").GetDateTime());
        Assert.Equal(JsonValueKind.Null, images[4].GetProperty("takenAt").ValueKind);
        Assert.All(images, i => Assert.Equal(16, i.GetProperty("perceptualHash").GetString()!.Length));

        var report = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{id}/report");
        Assert.Equal(5, report.GetProperty("images").GetInt32());
        Assert.Equal(4, report.GetProperty("withDate").GetInt32());
        Assert.Equal(new DateTime(2018, 4, 10, 12, 0, 0), report.GetProperty("takenFrom").GetDateTime());
        Assert.Equal(new DateTime(2018, 7, 10, 12, 0, 0), report.GetProperty("takenTo").GetDateTime());
        var byConfidence = report.GetProperty("byConfidence").EnumerateArray().Select(i => i.GetProperty("confidence").GetDouble()).ToList();
        Assert.Equal(5, byConfidence.Count);
        Assert.Equal(byConfidence.Order(), byConfidence); // worst first
        Assert.Single(report.GetProperty("nearDuplicates").EnumerateArray());
        Assert.Contains(report.GetProperty("recommendedResolution").GetInt32(), new[] { 32, 64, 128, 256 });
        var sheet = await client.GetAsync($"/api/datasets/{id}/report.png");
        Assert.Equal("image/png", sheet.Content.Headers.ContentType?.MediaType);

        var excluded = await (await client.PostAsync($"/api/datasets/{id}/exclude-duplicates", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(images[4].GetProperty("id").GetGuid(), Assert.Single(excluded.GetProperty("excluded").EnumerateArray()).GetGuid());
        var after = await client.GetFromJsonAsync<JsonElement[]>($"/api/datasets/{id}/images");
        Assert.Equal([false, false, false, false, true], after!.Select(i => i.GetProperty("excluded").GetBoolean()));
        // Asked again, there is nothing left to leave out.
        var again = await (await client.PostAsync($"/api/datasets/{id}/exclude-duplicates", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(again.GetProperty("excluded").EnumerateArray());

        // A run can take a date range; one that no image falls in is refused before it queues.
        var config = TinyConfig(iterations: 10, every: 10);
        config["takenFrom"] = "2018-05-01";
        config["takenTo"] = "2018-06-10";
        var run = (await StartRunAsync(client, id, config)).Id();
        Assert.Equal(RunStatus.Completed, (await WaitForStatusAsync(client, run, RunStatus.Completed)).Status());
        var empty = TinyConfig(iterations: 10, every: 10);
        empty["takenFrom"] = "2020-01-01";
        var refused = await client.PostAsJsonAsync("/api/runs", new { datasetId = id, config = empty });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("config.takenFrom", await refused.Content.ReadAsStringAsync());
        var backwards = TinyConfig(iterations: 10, every: 10);
        (backwards["takenFrom"], backwards["takenTo"]) = ("2019-01-01", "2018-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/runs", new { datasetId = id, config = backwards })).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await (await factory.CreateUserAsync("report-other")).Client.GetAsync($"/api/datasets/{id}/report")).StatusCode);
    }
}
