using System.Net;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Auth;

public sealed class AdminBootstrapTests(GeneratedAdminKeyFactory factory) : IClassFixture<GeneratedAdminKeyFactory>
{
    [Fact]
    public async Task First_start_writes_a_private_admin_key_that_works()
    {
        using var anonymous = factory.CreateClient(); // starts the app
        var path = Path.Combine(factory.DataDirectory, "admin.key");
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var key = (await File.ReadAllTextAsync(path)).Trim();
        using var admin = factory.CreateClient(key);
        var me = await (await admin.GetAsync("/api/me")).ReadJsonAsync<JsonElement>();
        Assert.True(me.GetProperty("isAdmin").GetBoolean());

        // Only the hash is stored: the key's text appears nowhere in the database files (WAL mode: the log too).
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "ganservice.db*"))
        {
            var database = await File.ReadAllBytesAsync(file);
            Assert.Equal(-1, database.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(key)));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient(key + "x").GetAsync("/api/me")).StatusCode);
    }
}
