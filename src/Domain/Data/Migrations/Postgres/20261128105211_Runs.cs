using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GanService.Domain.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Runs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Runs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerId = table.Column<Guid>(type: "uuid", nullable: false),
                    DatasetId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Preset = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    ConfigJson = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Iteration = table.Column<long>(type: "bigint", nullable: false),
                    TotalIterations = table.Column<long>(type: "bigint", nullable: false),
                    ImagesPerSecond = table.Column<double>(type: "double precision", nullable: true),
                    EtaSeconds = table.Column<double>(type: "double precision", nullable: true),
                    LossD = table.Column<double>(type: "double precision", nullable: true),
                    LossG = table.Column<double>(type: "double precision", nullable: true),
                    DReal = table.Column<double>(type: "double precision", nullable: true),
                    DFake = table.Column<double>(type: "double precision", nullable: true),
                    AugmentP = table.Column<double>(type: "double precision", nullable: true),
                    SkippedSteps = table.Column<long>(type: "bigint", nullable: false),
                    EvaluatedIteration = table.Column<long>(type: "bigint", nullable: true),
                    Swd = table.Column<double>(type: "double precision", nullable: true),
                    SwdRealFloor = table.Column<double>(type: "double precision", nullable: true),
                    Diversity = table.Column<double>(type: "double precision", nullable: true),
                    RealDiversity = table.Column<double>(type: "double precision", nullable: true),
                    NearestNeighbourRatio = table.Column<double>(type: "double precision", nullable: true),
                    DiagnosticsJson = table.Column<string>(type: "text", nullable: false),
                    Error = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    QueuedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FinishedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    LeaseOwner = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    LeaseExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    JobId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CheckpointIteration = table.Column<long>(type: "bigint", nullable: true),
                    CheckpointKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    ParentRunId = table.Column<Guid>(type: "uuid", nullable: true),
                    ParentIteration = table.Column<long>(type: "bigint", nullable: true),
                    SecondsTrained = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Runs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Runs_Datasets_DatasetId",
                        column: x => x.DatasetId,
                        principalTable: "Datasets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Runs_Users_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunCheckpoints",
                columns: table => new
                {
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Iteration = table.Column<long>(type: "bigint", nullable: false),
                    BlobKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunCheckpoints", x => new { x.RunId, x.Iteration });
                    table.ForeignKey(
                        name: "FK_RunCheckpoints_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunMetrics",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Iteration = table.Column<long>(type: "bigint", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    Seconds = table.Column<double>(type: "double precision", nullable: false),
                    LossD = table.Column<double>(type: "double precision", nullable: true),
                    LossG = table.Column<double>(type: "double precision", nullable: true),
                    DReal = table.Column<double>(type: "double precision", nullable: true),
                    DFake = table.Column<double>(type: "double precision", nullable: true),
                    AugmentP = table.Column<double>(type: "double precision", nullable: true),
                    Swd = table.Column<double>(type: "double precision", nullable: true),
                    SwdRealFloor = table.Column<double>(type: "double precision", nullable: true),
                    Diversity = table.Column<double>(type: "double precision", nullable: true),
                    RealDiversity = table.Column<double>(type: "double precision", nullable: true),
                    NearestNeighbourRatio = table.Column<double>(type: "double precision", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunMetrics", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RunMetrics_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunSamples",
                columns: table => new
                {
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Iteration = table.Column<long>(type: "bigint", nullable: false),
                    BlobKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunSamples", x => new { x.RunId, x.Iteration });
                    table.ForeignKey(
                        name: "FK_RunSamples_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RunMetrics_RunId_Iteration",
                table: "RunMetrics",
                columns: new[] { "RunId", "Iteration" });

            migrationBuilder.CreateIndex(
                name: "IX_Runs_DatasetId",
                table: "Runs",
                column: "DatasetId");

            migrationBuilder.CreateIndex(
                name: "IX_Runs_OwnerId_Status",
                table: "Runs",
                columns: new[] { "OwnerId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Runs_Status_QueuedAt",
                table: "Runs",
                columns: new[] { "Status", "QueuedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RunCheckpoints");

            migrationBuilder.DropTable(
                name: "RunMetrics");

            migrationBuilder.DropTable(
                name: "RunSamples");

            migrationBuilder.DropTable(
                name: "Runs");
        }
    }
}
