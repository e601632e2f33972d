using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    [DbContext(typeof(NodeDbContext))]
    [Migration("20261129172115_StepAgreementAndDeadlineClock")]
    public partial class StepAgreementAndDeadlineClock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lapse_due_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "last_order_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "last_position",
                table: "referrals",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "pending_message_id",
                table: "referrals",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "in_time",
                table: "referral_steps",
                type: "boolean",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "legal_at",
                table: "referral_steps",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "order_at",
                table: "referral_steps",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "position",
                table: "referral_steps",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "state",
                table: "referral_steps",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "taken_at",
                table: "referral_steps",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "deadline_reminders",
                columns: table => new
                {
                    referral_id = table.Column<Guid>(type: "uuid", nullable: false),
                    deadline = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deadline_reminders", x => new { x.referral_id, x.deadline, x.due_at });
                });

            migrationBuilder.CreateIndex(
                name: "IX_referrals_information_due_at_id",
                table: "referrals",
                columns: new[] { "information_due_at", "id" },
                filter: "status = 'INFORMATION_REQUESTED'");

            migrationBuilder.CreateIndex(
                name: "IX_referrals_lapse_due_at_id",
                table: "referrals",
                columns: new[] { "lapse_due_at", "id" },
                filter: "lapse_due_at IS NOT NULL");

            // Existing history: every entry was applied (or a conflict), in the order of its time; lapses derived.
            migrationBuilder.Sql("""
                UPDATE referral_steps SET state = CASE WHEN conflict THEN 'conflict' ELSE 'applied' END, taken_at = at,
                    position = p.n
                FROM (SELECT id, row_number() OVER (PARTITION BY referral_id ORDER BY at, id) AS n FROM referral_steps) p
                WHERE p.id = referral_steps.id;
                UPDATE referrals r SET last_position = COALESCE((SELECT max(position) FROM referral_steps s WHERE s.referral_id = r.id), 0),
                    lapse_due_at = CASE
                        WHEN status IN ('UNDER_EXAMINATION', 'INFORMATION_REQUESTED') THEN reply_due_at
                        WHEN status = 'REEXAMINATION_REQUESTED' THEN reexamination_reply_due_at
                        WHEN status IN ('ACCEPTED', 'TACITLY_ACCEPTED', 'TRANSFER_PLANNED') THEN transfer_due_at END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deadline_reminders");

            migrationBuilder.DropIndex(
                name: "IX_referrals_information_due_at_id",
                table: "referrals");

            migrationBuilder.DropIndex(
                name: "IX_referrals_lapse_due_at_id",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "lapse_due_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "last_order_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "last_position",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "pending_message_id",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "in_time",
                table: "referral_steps");

            migrationBuilder.DropColumn(
                name: "legal_at",
                table: "referral_steps");

            migrationBuilder.DropColumn(
                name: "order_at",
                table: "referral_steps");

            migrationBuilder.DropColumn(
                name: "position",
                table: "referral_steps");

            migrationBuilder.DropColumn(
                name: "state",
                table: "referral_steps");

            migrationBuilder.DropColumn(
                name: "taken_at",
                table: "referral_steps");
        }
    }
}
