import { z } from 'zod';

export const emergencyStateSchema = z
  .object({
    environment: z.string(),
    active: z.boolean(),
    reason: z.string().nullable(),
    startedBy: z.string().nullable(),
    startedAt: z.string().nullable(),
  })
  .meta({ id: 'EmergencyState' });
export type EmergencyState = z.infer<typeof emergencyStateSchema>;

export const emergencyStopSchema = z
  .object({ reason: z.string().trim().min(1, 'say why: the reason is shown to everyone affected').max(1000) })
  .strict();
