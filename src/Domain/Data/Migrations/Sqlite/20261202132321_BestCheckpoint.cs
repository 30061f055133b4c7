using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GanService.Domain.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BestCheckpoint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "BestDiversity",
                table: "Runs",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "BestIteration",
                table: "Runs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BestSwd",
                table: "Runs",
                type: "REAL",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BestDiversity",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "BestIteration",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "BestSwd",
                table: "Runs");
        }
    }
}
