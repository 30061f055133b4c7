using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GanService.Domain.Data.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DatasetId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Preset = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    ConfigJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Iteration = table.Column<long>(type: "INTEGER", nullable: false),
                    TotalIterations = table.Column<long>(type: "INTEGER", nullable: false),
                    ImagesPerSecond = table.Column<double>(type: "REAL", nullable: true),
                    EtaSeconds = table.Column<double>(type: "REAL", nullable: true),
                    LossD = table.Column<double>(type: "REAL", nullable: true),
                    LossG = table.Column<double>(type: "REAL", nullable: true),
                    DReal = table.Column<double>(type: "REAL", nullable: true),
                    DFake = table.Column<double>(type: "REAL", nullable: true),
                    AugmentP = table.Column<double>(type: "REAL", nullable: true),
                    SkippedSteps = table.Column<long>(type: "INTEGER", nullable: false),
                    EvaluatedIteration = table.Column<long>(type: "INTEGER", nullable: true),
                    Swd = table.Column<double>(type: "REAL", nullable: true),
                    SwdRealFloor = table.Column<double>(type: "REAL", nullable: true),
                    Diversity = table.Column<double>(type: "REAL", nullable: true),
                    RealDiversity = table.Column<double>(type: "REAL", nullable: true),
                    NearestNeighbourRatio = table.Column<double>(type: "REAL", nullable: true),
                    DiagnosticsJson = table.Column<string>(type: "TEXT", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    QueuedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CancelRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    Attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    LeaseExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    JobId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CheckpointIteration = table.Column<long>(type: "INTEGER", nullable: true),
                    CheckpointKey = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    ParentRunId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ParentIteration = table.Column<long>(type: "INTEGER", nullable: true),
                    SecondsTrained = table.Column<double>(type: "REAL", nullable: false)
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
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Iteration = table.Column<long>(type: "INTEGER", nullable: false),
                    BlobKey = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Iteration = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    Seconds = table.Column<double>(type: "REAL", nullable: false),
                    LossD = table.Column<double>(type: "REAL", nullable: true),
                    LossG = table.Column<double>(type: "REAL", nullable: true),
                    DReal = table.Column<double>(type: "REAL", nullable: true),
                    DFake = table.Column<double>(type: "REAL", nullable: true),
                    AugmentP = table.Column<double>(type: "REAL", nullable: true),
                    Swd = table.Column<double>(type: "REAL", nullable: true),
                    SwdRealFloor = table.Column<double>(type: "REAL", nullable: true),
                    Diversity = table.Column<double>(type: "REAL", nullable: true),
                    RealDiversity = table.Column<double>(type: "REAL", nullable: true),
                    NearestNeighbourRatio = table.Column<double>(type: "REAL", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Iteration = table.Column<long>(type: "INTEGER", nullable: false),
                    BlobKey = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
