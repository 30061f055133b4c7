# syntax=docker/dockerfile:1
#
# GanService API (server mode). Built by deploy/docker-compose.yml, or by hand:
#   docker build -t ganservice-api .
# The API uses the CPU libtorch (TorchDevice=cpu, the default); training runs in the GPU worker
# image built from Dockerfile.gpu.

# ---- build: restore (cached while the project files don't change), then publish -------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Only what restore reads: SDK pin, central package versions, shared MSBuild logic and the project
# files. The restore layer is then reused across source edits. Add new projects under src/ here.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Domain/Domain.csproj src/Domain/
COPY src/Api/Api.csproj src/Api/
COPY src/Worker/Worker.csproj src/Worker/
# The NuGet cache is a BuildKit cache mount: libtorch is large, and a change to a project file then
# downloads only what is new. Restore and publish must use the same mount.
# -r linux-x64 (here and in publish) leaves out the other platforms' native libraries: half the size.
RUN --mount=type=cache,id=ganservice-nuget,target=/root/.nuget/packages \
    dotnet restore src/Api/Api.csproj -r linux-x64

COPY src/ src/
# Framework-dependent; build/TorchSharpNative.targets patches the published libLibTorchSharp.so.
RUN --mount=type=cache,id=ganservice-nuget,target=/root/.nuget/packages \
    dotnet publish src/Api/Api.csproj -c Release --no-restore -r linux-x64 --self-contained false \
        -o /app -p:UseAppHost=false

# ---- runtime -----------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# curl for the health check (the image has neither curl nor wget).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

# The image's non-root user `app` ($APP_UID, 1654) owns the data directory. In server mode it holds
# nothing that must survive (database and files live in PostgreSQL and S3); in embedded mode mount a
# volume on /data.
RUN mkdir /data && chown "$APP_UID:$APP_UID" /data

WORKDIR /app
COPY --from=build /app ./

# ASPNETCORE_HTTP_PORTS (8080 in the base image) is cleared so that ASPNETCORE_URLS alone decides.
ENV ASPNETCORE_URLS=http://+:5080 \
    ASPNETCORE_HTTP_PORTS= \
    DataDirectory=/data
EXPOSE 5080
USER $APP_UID

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:5080/health/live"]
ENTRYPOINT ["dotnet", "GanService.Api.dll"]
