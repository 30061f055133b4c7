using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GanService.Domain.Data.Migrations.Postgres
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
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "BestIteration",
                table: "Runs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BestSwd",
                table: "Runs",
                type: "double precision",
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
