using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Api.Auth;
using GanService.Api.Generation;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GanService.Api.Infrastructure;

public static class OpenApiExtensions
{
    private static readonly JsonSerializerOptions ExampleJson = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddGanServiceOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "GanService",
                    Version = "v1",
                    Description = "Train GANs on small sets of drawings. Every /api route needs the X-Api-Key header: " +
                                  "on first start the admin key is written to `DataDirectory/admin.key` (default `data/admin.key`).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.HeaderName,
                    Description = "Your API key, shown once when your user or key was created.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                // Routes behind authorization show the key requirement and their 401.
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, context.Document)] = [],
                    });
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing or unknown API key." });
                }
                DescribeQueryParameters(operation);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                // Its converter takes any JSON value (so that a bad one is a 400 naming the field); say what it means.
                if (context.JsonTypeInfo.Type == typeof(CheckpointSelector) || context.JsonTypeInfo.Type == typeof(CheckpointSelector?))
                    DescribeCheckpointSelector(schema);
                return Task.CompletedTask;
            });
        });

    private static void DescribeCheckpointSelector(OpenApiSchema schema)
    {
        schema.Type = null;
        schema.Properties?.Clear();
        schema.Description = CheckpointSelector.Description;
        schema.OneOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" },
            new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(CheckpointSelector.LatestWord)!, JsonValue.Create(CheckpointSelector.BestWord)!] },
        ];
    }

    /// The query parameters are taken as text (so that a bad value gets a clear 400); this says what they mean.
    private static readonly Dictionary<string, (string Description, string Example)> QueryParameters = new()
    {
        ["resolution"] = ("Training resolution: 16, 32, 64, 128 or 256 (default 64).", "64"),
        ["count"] = ("How many images the contact sheet shows, 1 to 256 (default 64).", "64"),
        ["flatten"] = ("Even out paper tint, shadows and uneven light (default true).", "true"),
        ["autoLevels"] = ("Stretch levels so paper is white and strokes are dark (default true).", "true"),
        ["denoise"] = ("Noise reduction, 0 = off to 3 = strong.", "1"),
        ["autoCrop"] = ("Crop to the drawing plus a margin, dropping the table around a photographed sheet; a picture whose drawing already fills it keeps its frame (default true).", "true"),
        ["cropToDrawing"] = ("With autoCrop: crop around the drawing even where the picture's frame already fits it, so every image gets the same margin (default false).", "false"),
        ["fit"] = ("How a non-square image becomes square: pad, crop or stretch (default pad).", "pad"),
        ["invert"] = ("White strokes on black (default false).", "false"),
        ["iteration"] = (CheckpointSelector.Description, CheckpointSelector.BestWord),
    };

    private static void DescribeQueryParameters(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In != ParameterLocation.Query || !QueryParameters.TryGetValue(parameter.Name ?? "", out var docs)) continue;
            parameter.Description = docs.Description;
            parameter.Example = JsonValue.Create(docs.Example);
        }
    }

    public static WebApplication UseGanServiceOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "GanService v1");
            ui.RoutePrefix = "swagger";
            ui.DocumentTitle = "GanService API";
        });
        return app;
    }

    /// Declares a binary 200 response of the given image type, so that Swagger UI shows the picture.
    public static RouteHandlerBuilder ProducesImage(this RouteHandlerBuilder builder, string contentType) =>
        builder.Produces(StatusCodes.Status200OK, typeof(Stream), contentType);

    /// Puts example bodies into the OpenAPI document: the request (JSON) and the response for a status.
    public static RouteHandlerBuilder WithExamples(this RouteHandlerBuilder builder, object? request = null, object? response = null, int responseStatus = 200) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (request is not null && operation.RequestBody?.Content is { } requestContent)
            {
                foreach (var media in requestContent.Values) media.Example = JsonSerializer.SerializeToNode(request, ExampleJson);
            }
            if (response is not null && operation.Responses?.TryGetValue(responseStatus.ToString(), out var answer) == true && answer.Content is { } responseContent)
            {
                foreach (var media in responseContent.Values) media.Example = JsonSerializer.SerializeToNode(response, ExampleJson);
            }
            return Task.CompletedTask;
        });
}
