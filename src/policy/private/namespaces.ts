/** Default namespace of the Kyverno PolicyExceptions (`PolicySetProps.exceptionsNamespace`). */
export const DEFAULT_EXCEPTIONS_NAMESPACE = 'policy-exceptions';

/** Default namespace of the ValidatingAdmissionPolicy parameters (`PolicySetProps.parametersNamespace`). */
export const DEFAULT_PARAMETERS_NAMESPACE = 'llm-platform-policy';
