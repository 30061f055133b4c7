using System.IO.Compression;
using System.Net.Http.Headers;

namespace GanService.Api.Tests.Infrastructure;

/// Real phone photos of pencil drawings (from shared/datasets/symbola176-phone), kept in the repo.
public static class Fixtures
{
    public static readonly string[] PhonePhotos = ["000_U1F400.jpg", "017_U1F411.jpg", "042_U1F42A.jpg", "099_U1F477.jpg"];

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }

    public static byte[] PhonePhotosZip() => Zip(PhonePhotos.Select(name => (name, Read(name))).ToArray());

    public static MultipartFormDataContent Upload(string name, params (string FileName, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        foreach (var (fileName, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", fileName);
        }
        return form;
    }
}
