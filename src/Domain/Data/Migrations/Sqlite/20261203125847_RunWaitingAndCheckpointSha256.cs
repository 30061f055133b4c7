using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GanService.Domain.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RunWaitingAndCheckpointSha256 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "WaitingReason",
                table: "Runs",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "WaitingSince",
                table: "Runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Sha256",
                table: "RunCheckpoints",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WaitingReason",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "WaitingSince",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "Sha256",
                table: "RunCheckpoints");
        }
    }
}
