using System.Net;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

/// Each hostile file gets a 4xx or a per-file rejection with a reason, and the service stays up.
public abstract class HostileUploadTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    public static TheoryData<string, string, string> HostileCases => new()
    {
        // case, file name, a word the reason must contain
        { "zip-slip", "slip.zip", "Unsafe path" },
        { "zip-bomb-expanding", "bomb.zip", "zip bomb" },
        { "zip-bomb-declared", "declared.zip", "zip bomb" },
        // The entry stream stops at the declared size, so only its first 100 bytes are ever read.
        { "zip-lying-about-size", "liar.zip", "Not a PNG" },
        { "png-60000x60000", "huge.png", "60000×60000" },
        { "truncated-jpeg", "cut.jpg", "truncated" },
        { "animated-gif", "anim.gif", "GIF" },
        { "animated-webp", "anim.webp", "Animated" },
        { "text-named-png", "notes.png", "Not a PNG, JPEG or WebP" },
        { "empty-zip", "empty.zip", "no images" },
        { "nested-zip", "outer.zip", "inside zips" },
        { "zero-bytes", "empty.png", "empty" },
    };

    private static byte[] Content(string hostileCase) => hostileCase switch
    {
        "zip-slip" => HostileFiles.ZipSlip(),
        "zip-bomb-expanding" => ZipBomb.Value,
        "zip-bomb-declared" => HostileFiles.ZipBombDeclared(),
        "zip-lying-about-size" => HostileFiles.ZipLyingAboutSize(),
        "png-60000x60000" => HostileFiles.PngClaimingHugeSize(),
        "truncated-jpeg" => HostileFiles.TruncatedJpeg(),
        "animated-gif" => HostileFiles.AnimatedGif(),
        "animated-webp" => HostileFiles.AnimatedWebP(),
        "text-named-png" => HostileFiles.TextNamedPng(),
        "empty-zip" => HostileFiles.EmptyZip(),
        "nested-zip" => HostileFiles.NestedZip(),
        "zero-bytes" => [],
        _ => throw new ArgumentOutOfRangeException(nameof(hostileCase)),
    };

    private static readonly Lazy<byte[]> ZipBomb = new(HostileFiles.ZipBombExpanding);

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task A_hostile_file_alone_is_refused_with_its_reason(string hostileCase, string fileName, string reasonWord)
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var response = await client.PostAsync("/api/datasets", Fixtures.Upload(hostileCase, (fileName, Content(hostileCase))));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var reasons = problem.GetProperty("rejected").EnumerateArray()
            .Select(rejected => rejected.GetProperty("reason").GetString()!).ToList();
        Assert.Contains(reasons, reason => reason.Contains(reasonWord, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await (await client.GetAsync("/api/datasets")).ReadJsonAsync<List<DatasetInfo>>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Hostile_files_next_to_good_ones_are_listed_and_the_good_ones_kept()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var files = HostileCases.Select(row => ((string)row[1], Content((string)row[0]))).ToList();
        files.Add(("猫 café 😀.jpg", Fixtures.Read(Fixtures.PhonePhotos[0])));
        files.Add(("ok.png", HostileFiles.GoodPng()));

        var created = await (await client.PostAsync("/api/datasets", Fixtures.Upload("mixed", [.. files])))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);

        Assert.Equal(2, created.ImageCount);
        // Every hostile file (the zip slip has three bad entries) is listed with a reason.
        Assert.True(created.Rejected.Count >= HostileCases.Count(), string.Join("\n", created.Rejected));
        Assert.All(created.Rejected, rejected => Assert.False(string.IsNullOrWhiteSpace(rejected.Reason)));
        var images = await (await client.GetAsync($"/api/datasets/{created.Id}/images")).ReadJsonAsync<List<ImageInfo>>();
        Assert.Contains(images, image => image.FileName == "猫 café 😀.jpg");
        Assert.All(images, image => Assert.DoesNotContain("..", image.FileName));
    }

    [Fact]
    public async Task Zip_slip_entries_never_reach_the_file_system()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var zip = Fixtures.Zip(("../../escaped.png", HostileFiles.GoodPng()), ("fine.png", HostileFiles.GoodPng(shade: 10)));
        var created = await (await client.PostAsync("/api/datasets", Fixtures.Upload("slip", ("slip.zip", zip))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);

        Assert.Equal(1, created.ImageCount);
        Assert.Single(created.Rejected);
        var escaped = Directory.EnumerateFiles(Path.GetDirectoryName(factory.DataDirectory)!, "escaped*", SearchOption.TopDirectoryOnly);
        Assert.Empty(escaped);
        Assert.Empty(Directory.EnumerateFiles(factory.DataDirectory, "escaped*", SearchOption.AllDirectories));
    }
}

public sealed class SqliteHostileUploadTests(SqliteApiFactory factory) : HostileUploadTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresHostileUploadTests(PostgresApiFactory factory) : HostileUploadTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
