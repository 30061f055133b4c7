using System.Net.Http.Json;
using System.Text.Json;

namespace GanService.Worker.Cli;

/// <summary>The calls the benchmark commands make to a running service.</summary>
internal static class ServiceClient
{
    /// <summary>An HTTP client for the service at <paramref name="api"/> with the caller's key.</summary>
    public static HttpClient Create(Uri api, string key, TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = api, Timeout = timeout };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    /// <summary>Uploads up to <paramref name="maxImages"/> images of a folder as a new dataset; returns its id.</summary>
    public static async Task<Guid> UploadDatasetAsync(HttpClient http, string images, string name, int maxImages)
    {
        using var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        foreach (var path in ImageFolder.List(images).Take(maxImages))
            form.Add(new ByteArrayContent(File.ReadAllBytes(path)), "files", Path.GetFileName(path));
        var upload = await http.PostAsync("/api/datasets", form);
        if (!upload.IsSuccessStatusCode) throw new UsageException($"upload failed: {(int)upload.StatusCode} {await upload.Content.ReadAsStringAsync()}");
        return (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
