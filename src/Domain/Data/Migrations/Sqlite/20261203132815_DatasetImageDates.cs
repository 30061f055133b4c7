using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GanService.Domain.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DatasetImageDates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PerceptualHash",
                table: "DatasetImages",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "TakenAt",
                table: "DatasetImages",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PerceptualHash",
                table: "DatasetImages");

            migrationBuilder.DropColumn(
                name: "TakenAt",
                table: "DatasetImages");
        }
    }
}
